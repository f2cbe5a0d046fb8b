package salesforce

import (
	"slices"
	"strings"
)

// Query is a parsed SOQL statement of the supported subset.
type Query struct {
	Object  string   // canonical object name ("Lead")
	Fields  []string // canonical field names, in SELECT order
	Where   cond     // nil when there is no WHERE clause
	OrderBy []orderItem
	Limit   int // -1: none
	Offset  int
}

type orderItem struct {
	field      string
	desc       bool
	nullsFirst bool
}

// cond is a WHERE condition tree.
type cond interface{ match(Lead) bool }

type andCond []cond
type orCond []cond
type notCond struct{ c cond }

// compare is "field op literal"; IN and NOT IN carry several literals.
type compare struct {
	field string
	typ   fieldType
	op    string // =, !=, <, <=, >, >=, in, notin
	vals  []any  // string, time.Time, bool or nil
}

type parser struct {
	toks []token
	i    int
}

func lower(s string) string { return strings.ToLower(s) }

// ParseQuery parses q. Errors are *QueryError with the REST API's error code.
func ParseQuery(q string) (*Query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	return p.query()
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i = min(p.i+1, len(p.toks)-1); return t }

func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) unexpected() error {
	t := p.peek()
	return malformed(t.pos, "unexpected token: '%s'", t.text)
}

func (p *parser) expect(kw string) error {
	if !p.keyword(kw) {
		return p.unexpected()
	}
	return nil
}

var reserved = []string{"select", "from", "where", "and", "or", "not", "order", "by", "asc", "desc",
	"nulls", "first", "last", "limit", "offset", "true", "false", "null", "in", "like", "group", "having"}

func (p *parser) ident() (token, error) {
	t := p.peek()
	if t.kind != tokIdent || slices.Contains(reserved, lower(t.text)) {
		return t, p.unexpected()
	}
	p.next()
	return t, nil
}

func (p *parser) query() (*Query, error) {
	q := &Query{Limit: -1}
	if err := p.expect("SELECT"); err != nil {
		return nil, err
	}
	var raw []token
	for {
		t, err := p.ident()
		if err != nil {
			return nil, err
		}
		raw = append(raw, t)
		if p.peek().kind != tokComma {
			break
		}
		p.next()
	}
	if err := p.expect("FROM"); err != nil {
		return nil, err
	}
	obj, err := p.ident()
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(obj.text, "Lead") {
		return nil, &QueryError{Code: "INVALID_TYPE", Message: "sObject type '" + obj.text + "' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."}
	}
	q.Object = "Lead"
	seen := map[string]bool{}
	for _, t := range raw {
		f, err := field(t)
		if err != nil {
			return nil, err
		}
		if seen[f] {
			return nil, malformed(t.pos, "duplicate field selected: %s", f)
		}
		seen[f] = true
		q.Fields = append(q.Fields, f)
	}
	if p.keyword("WHERE") {
		if q.Where, err = p.condition(); err != nil {
			return nil, err
		}
	}
	if p.keyword("ORDER") {
		if err := p.expect("BY"); err != nil {
			return nil, err
		}
		if q.OrderBy, err = p.orderBy(); err != nil {
			return nil, err
		}
	}
	if p.keyword("LIMIT") {
		if q.Limit, err = p.count(); err != nil {
			return nil, err
		}
	}
	if p.keyword("OFFSET") {
		if q.Offset, err = p.count(); err != nil {
			return nil, err
		}
		if q.Offset > 2000 {
			return nil, &QueryError{Code: "NUMBER_OUTSIDE_VALID_RANGE", Message: "Maximum SOQL offset allowed is 2000"}
		}
	}
	if p.peek().kind != tokEOF {
		return nil, p.unexpected()
	}
	return q, nil
}

func field(t token) (string, error) {
	f, ok := leadFields[lower(t.text)]
	if !ok {
		return "", &QueryError{Code: "INVALID_FIELD", Message: "No such column '" + t.text + "' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."}
	}
	return f.name, nil
}

func (p *parser) count() (int, error) {
	t := p.next()
	if t.kind != tokNumber || t.n > 1<<31-1 {
		p.i--
		return 0, p.unexpected()
	}
	return int(t.n), nil
}

func (p *parser) orderBy() ([]orderItem, error) {
	var items []orderItem
	for {
		t, err := p.ident()
		if err != nil {
			return nil, err
		}
		f, err := field(t)
		if err != nil {
			return nil, err
		}
		it := orderItem{field: f}
		if p.keyword("DESC") {
			it.desc = true
		} else {
			p.keyword("ASC")
		}
		it.nullsFirst = !it.desc
		if p.keyword("NULLS") {
			switch {
			case p.keyword("FIRST"):
				it.nullsFirst = true
			case p.keyword("LAST"):
				it.nullsFirst = false
			default:
				return nil, p.unexpected()
			}
		}
		items = append(items, it)
		if p.peek().kind != tokComma {
			return items, nil
		}
		p.next()
	}
}

// condition parses factors joined by one kind of logical operator; SOQL rejects "a AND b OR c"
// without parentheses, and so does this parser.
func (p *parser) condition() (cond, error) {
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	parts := []cond{first}
	joiner := ""
	for {
		t := p.peek()
		if t.kind != tokIdent || (!strings.EqualFold(t.text, "AND") && !strings.EqualFold(t.text, "OR")) {
			break
		}
		op := strings.ToUpper(t.text)
		if joiner != "" && op != joiner {
			return nil, p.unexpected()
		}
		joiner = op
		p.next()
		c, err := p.factor()
		if err != nil {
			return nil, err
		}
		parts = append(parts, c)
	}
	switch joiner {
	case "AND":
		return andCond(parts), nil
	case "OR":
		return orCond(parts), nil
	}
	return first, nil
}

func (p *parser) factor() (cond, error) {
	if p.keyword("NOT") {
		c, err := p.factor()
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tokRParen {
			return nil, p.unexpected()
		}
		p.next()
		return c, nil
	}
	ft, err := p.ident()
	if err != nil {
		return nil, err
	}
	name, err := field(ft)
	if err != nil {
		return nil, err
	}
	c := compare{field: name, typ: leadFields[lower(name)].typ}
	switch t := p.peek(); {
	case t.kind == tokOp:
		p.next()
		c.op = map[string]string{"<>": "!="}[t.text]
		if c.op == "" {
			c.op = t.text
		}
		v, err := p.literal(c)
		if err != nil {
			return nil, err
		}
		c.vals = []any{v}
	case p.keyword("IN"):
		c.op = "in"
	case p.keyword("NOT"):
		if err := p.expect("IN"); err != nil {
			return nil, err
		}
		c.op = "notin"
	default:
		return nil, p.unexpected()
	}
	if c.op == "in" || c.op == "notin" {
		if p.next().kind != tokLParen {
			p.i--
			return nil, p.unexpected()
		}
		for {
			v, err := p.literal(c)
			if err != nil {
				return nil, err
			}
			c.vals = append(c.vals, v)
			if t := p.next(); t.kind == tokRParen {
				break
			} else if t.kind != tokComma {
				p.i--
				return nil, p.unexpected()
			}
		}
	}
	return c, nil
}

// literal reads a value and checks it fits the field's type, with the REST API's INVALID_FIELD
// wording for a mismatch.
func (p *parser) literal(c compare) (any, error) {
	t := p.next()
	mismatch := func(want string) error {
		return &QueryError{Code: "INVALID_FIELD", Message: "value of filter criterion for field '" + c.field + "' must be of type " + want + " and should not be enclosed in quotes"}
	}
	if t.kind == tokIdent && strings.EqualFold(t.text, "NULL") {
		if c.op != "=" && c.op != "!=" && c.op != "in" && c.op != "notin" {
			return nil, malformed(t.pos, "invalid operator on null: %s", c.op)
		}
		return nil, nil
	}
	switch c.typ {
	case typeDateTime:
		if t.kind != tokDateTime {
			if t.kind == tokIdent || t.kind == tokEOF || t.kind == tokOp || t.kind == tokRParen || t.kind == tokComma || t.kind == tokLParen {
				p.i--
				return nil, p.unexpected()
			}
			return nil, mismatch("dateTime")
		}
		return t.t, nil
	case typeBool:
		if t.kind == tokIdent && (strings.EqualFold(t.text, "TRUE") || strings.EqualFold(t.text, "FALSE")) {
			if c.op != "=" && c.op != "!=" && c.op != "in" && c.op != "notin" {
				return nil, malformed(t.pos, "invalid operator on boolean field: %s", c.op)
			}
			return strings.EqualFold(t.text, "TRUE"), nil
		}
		if t.kind == tokIdent || t.kind == tokEOF || t.kind == tokOp {
			p.i--
			return nil, p.unexpected()
		}
		return nil, mismatch("boolean")
	default:
		if t.kind != tokString {
			if t.kind == tokIdent || t.kind == tokEOF || t.kind == tokOp || t.kind == tokRParen || t.kind == tokComma || t.kind == tokLParen {
				p.i--
				return nil, p.unexpected()
			}
			return nil, &QueryError{Code: "INVALID_FIELD", Message: "value of filter criterion for field '" + c.field + "' must be of type " + c.typ.String() + " and should be enclosed in quotes"}
		}
		return t.text, nil
	}
}
