package postgres

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onewaysync/oneway/connector"
)

// Values travel to the server as text that the column type's input function parses: the staging table
// holds text, and the upsert casts each column to its type. Text is exact for every canonical type (numeric
// digits, RFC 3339 microseconds, hex bytea), so no value is rounded on the way.

// appendText appends the text form of v for column c to buf. It returns null=true, and buf unchanged, for a
// SQL NULL. Which text depends on the column: JSON columns get the value encoded as JSON (a string becomes a
// JSON string), arrays an array literal, bytea hex; other columns the value's plain text.
func appendText(buf []byte, v any, c column) (out []byte, null bool, err error) {
	if v == nil {
		return buf, true, nil
	}
	switch {
	case c.oid == pgtype.JSONOID || c.oid == pgtype.JSONBOID:
		j, err := connector.CanonicalJSON(v)
		if err != nil {
			return buf, false, err
		}
		return append(buf, j...), false, nil
	case c.elem != 0:
		switch x := v.(type) {
		case []any:
			out, err := appendArray(buf, x, column{typ: c.typ, oid: c.elem})
			return out, false, err
		case string:
			return append(buf, x...), false, nil
		}
		return buf, false, fmt.Errorf("a value of type %s cannot go into array column %q (%s): want a list", typeName(v), c.name, c.typ)
	case c.oid == pgtype.ByteaOID:
		switch x := v.(type) {
		case []byte:
			return hex.AppendEncode(append(buf, `\x`...), x), false, nil
		case string:
			return hex.AppendEncode(append(buf, `\x`...), []byte(x)), false, nil
		}
	case c.oid == pgtype.DateOID:
		if t, ok := v.(time.Time); ok {
			return appendDate(buf, t), false, nil
		}
	}
	return appendScalar(buf, v)
}

// appendScalar appends the plain text of a canonical value.
func appendScalar(buf []byte, v any) ([]byte, bool, error) {
	switch x := v.(type) {
	case string:
		return append(buf, x...), false, nil
	case int64:
		return strconv.AppendInt(buf, x, 10), false, nil
	case json.Number:
		return append(buf, x...), false, nil
	case float64:
		return strconv.AppendFloat(buf, x, 'g', -1, 64), false, nil
	case bool:
		return strconv.AppendBool(buf, x), false, nil
	case time.Time:
		return appendTimestamp(buf, x), false, nil
	case []byte:
		return append(buf, x...), false, nil
	case []any, map[string]any:
		j, err := connector.CanonicalJSON(x)
		return append(buf, j...), false, err
	}
	// Other Go types (int, float32, ...): their canonical form is one of the cases above.
	n, err := connector.Normalize(v)
	if err != nil {
		return buf, false, err
	}
	if n == nil {
		return buf, true, nil
	}
	return appendScalar(buf, n)
}

// appendArray appends an array literal: every element double-quoted and escaped, NULL for nil, nested lists
// as further dimensions (except in arrays of JSON, whose elements are JSON documents).
func appendArray(buf []byte, list []any, elem column) ([]byte, error) {
	buf = append(buf, '{')
	var scratch []byte
	for i, e := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		if sub, ok := e.([]any); ok && elem.oid != pgtype.JSONOID && elem.oid != pgtype.JSONBOID {
			var err error
			if buf, err = appendArray(buf, sub, elem); err != nil {
				return buf, err
			}
			continue
		}
		var null bool
		var err error
		scratch, null, err = appendText(scratch[:0], e, elem)
		if err != nil {
			return buf, fmt.Errorf("item %d: %w", i, err)
		}
		if null {
			buf = append(buf, "NULL"...)
			continue
		}
		buf = append(buf, '"')
		for _, ch := range scratch {
			if ch == '"' || ch == '\\' {
				buf = append(buf, '\\')
			}
			buf = append(buf, ch)
		}
		buf = append(buf, '"')
	}
	return append(buf, '}'), nil
}

// appendDate appends t's UTC date; years before 1 are written the way PostgreSQL reads them (0001-01-01 BC
// is year 0).
func appendDate(buf []byte, t time.Time) []byte {
	t = t.UTC()
	y, bc := t.Year(), false
	if y <= 0 {
		y, bc = 1-y, true
	}
	buf = appendPadded(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int(t.Month()), 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, t.Day(), 2)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendTimestamp appends t in UTC with an explicit +00 offset, so that timestamptz reads the same instant
// whatever the session's time zone, and timestamp (which ignores the offset) the UTC wall clock.
func appendTimestamp(buf []byte, t time.Time) []byte {
	t = t.UTC()
	y, bc := t.Year(), false
	if y <= 0 {
		y, bc = 1-y, true
	}
	buf = appendPadded(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int(t.Month()), 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, t.Day(), 2)
	buf = append(buf, ' ')
	buf = appendPadded(buf, t.Hour(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Minute(), 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, t.Second(), 2)
	if ns := t.Nanosecond(); ns != 0 {
		buf = append(buf, '.')
		start := len(buf)
		buf = appendPadded(buf, ns, 9)
		for buf[len(buf)-1] == '0' && len(buf) > start {
			buf = buf[:len(buf)-1]
		}
	}
	buf = append(buf, "+00"...)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendPadded(buf []byte, n, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// appendCopyText appends s escaped for COPY's text format: backslash, newline, carriage return and tab are
// the only bytes with a meaning there. Runs of other bytes are copied at once.
func appendCopyText[S ~string | ~[]byte](buf []byte, s S) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc byte
		switch s[i] {
		case '\\':
			esc = '\\'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\t':
			esc = 't'
		default:
			continue
		}
		buf = append(buf, s[start:i]...)
		buf = append(buf, '\\', esc)
		start = i + 1
	}
	return append(buf, s[start:]...)
}

// typeName names a canonical value's type for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64:
		return "integer"
	case float64:
		return "float"
	case json.Number:
		return "decimal"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case time.Time:
		return "time"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
