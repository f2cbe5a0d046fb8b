package salesforce

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var (
	identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	fieldRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)
)

// quote writes s as a SOQL string literal: between single quotes, with the reserved characters and
// the characters SOQL has escape sequences for escaped ("Quoted String Escape Sequences" in the SOQL
// and SOSL Reference): \' \" \\ \n \r \t \b \f. Other characters go as they are (the query travels
// URL-encoded, UTF-8).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// dateTime writes t as a SOQL dateTime literal: UTC, with milliseconds (Salesforce's precision), not
// quoted: 2024-05-01T10:00:00.000Z.
func dateTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// literal writes a cursor position value as a SOQL literal: times as dateTime, text quoted.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case time.Time:
		return dateTime(x), nil
	case string:
		if t, ok := parseDateTime(x); ok {
			return dateTime(t), nil
		}
		return quote(x), nil
	}
	return "", fmt.Errorf("a %T cannot be a SOQL cursor value", v)
}

// selectQuery builds SELECT fields FROM object [WHERE (where) AND extra] [ORDER BY order].
func selectQuery(object string, fields []string, where, extra, order string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(fields, ", "))
	b.WriteString(" FROM ")
	b.WriteString(object)
	var conds []string
	if where != "" {
		conds = append(conds, "("+where+")")
	}
	if extra != "" {
		conds = append(conds, extra)
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(conds, " AND "))
	}
	if order != "" {
		b.WriteString(" ORDER BY ")
		b.WriteString(order)
	}
	return b.String()
}

// cursorCondition is the SOQL condition of a cursor read from a position: the tuple (cursor, Id) at or
// after (from[0], from[1]), written as (c > X OR (c = X AND Id >= 'Y')), or c >= X for a position of
// the cursor value alone. Comparing and ordering by Id both happen in Salesforce, so they agree.
func cursorCondition(cursor string, from []any) (string, error) {
	if len(from) == 0 || from[0] == nil {
		return "", nil
	}
	x, err := literal(from[0])
	if err != nil {
		return "", fmt.Errorf("cursor position of %s: %w", cursor, err)
	}
	if len(from) < 2 || from[1] == nil {
		return cursor + " >= " + x, nil
	}
	id, ok := from[1].(string)
	if !ok {
		return "", fmt.Errorf("cursor position of Id: %v (%T) is not an Id", from[1], from[1])
	}
	return fmt.Sprintf("(%s > %s OR (%s = %s AND Id >= %s))", cursor, x, cursor, x, quote(id)), nil
}
