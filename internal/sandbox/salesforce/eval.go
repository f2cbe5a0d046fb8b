package salesforce

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

func (c andCond) match(l Lead) bool {
	for _, x := range c {
		if !x.match(l) {
			return false
		}
	}
	return true
}

func (c orCond) match(l Lead) bool {
	for _, x := range c {
		if x.match(l) {
			return true
		}
	}
	return false
}

func (c notCond) match(l Lead) bool { return !c.c.match(l) }

func (c compare) match(l Lead) bool {
	v := l.value(c.field)
	switch c.op {
	case "in":
		return slices.ContainsFunc(c.vals, func(x any) bool { return order(c.typ, v, x) == 0 })
	case "notin":
		return !slices.ContainsFunc(c.vals, func(x any) bool { return order(c.typ, v, x) == 0 })
	}
	want := c.vals[0]
	if v == nil || want == nil { // only = and != are allowed with null; a null field fails ranges
		switch c.op {
		case "=":
			return v == nil && want == nil
		case "!=":
			return (v == nil) != (want == nil)
		}
		return false
	}
	o := order(c.typ, v, want)
	switch c.op {
	case "=":
		return o == 0
	case "!=":
		return o != 0
	case "<":
		return o < 0
	case "<=":
		return o <= 0
	case ">":
		return o > 0
	case ">=":
		return o >= 0
	}
	return false
}

// order compares two non-null values of a field type. Text comparisons in SOQL are
// case-insensitive; an Id also matches its 15-character case-sensitive form.
func order(typ fieldType, a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	switch typ {
	case typeDateTime:
		return a.(time.Time).Compare(b.(time.Time))
	case typeBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case typeID:
		x, y := a.(string), b.(string)
		if len(y) == 15 && len(x) == 18 && x[:15] == y {
			return 0
		}
		return strings.Compare(x, y)
	}
	return strings.Compare(strings.ToLower(a.(string)), strings.ToLower(b.(string)))
}

// run applies the query to leads (already limited to the ones the resource may see): filter, sort,
// offset and limit.
func (q *Query) run(leads []Lead) []Lead {
	var out []Lead
	for _, l := range leads {
		if q.Where == nil || q.Where.match(l) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b Lead) int {
		for _, it := range q.OrderBy {
			typ := leadFields[lower(it.field)].typ
			va, vb := a.value(it.field), b.value(it.field)
			if (va == nil) != (vb == nil) {
				if (va == nil) == it.nullsFirst {
					return -1
				}
				return 1
			}
			c := order(typ, va, vb)
			if it.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out = out[min(q.Offset, len(out)):]
	if q.Limit >= 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}
