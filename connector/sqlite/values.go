package sqlite

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// timeLayout is how times are written: UTC, SQLite's own datetime() form with the fraction trimmed of
// trailing zeros and no zone suffix. Text in this form sorts in time order (a shorter fraction is a
// prefix), it equals what CURRENT_TIMESTAMP stores for whole seconds, SQLite's date functions read it,
// and it keeps nanoseconds.
const (
	timeLayout = "2006-01-02 15:04:05.999999999"
	dateLayout = "2006-01-02"
)

// parseLayouts are the text forms read back as times: what oneway and the driver write, SQLite's
// date-time forms and RFC 3339.
var parseLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02 15:04:05.999999999 -0700 MST", // time.Time.String, the driver's default
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	dateLayout,
}

// formatTime returns the text oneway stores for t in a column of kind k.
func formatTime(t time.Time, k kind) string {
	t = t.UTC()
	if k == kindDate && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(dateLayout)
	}
	return t.Format(timeLayout)
}

// parseTime reads a time written in one of parseLayouts; the result is in UTC.
func parseTime(s string) (time.Time, bool) {
	if i := strings.Index(s, " m="); i > 0 {
		s = s[:i] // a monotonic clock reading from time.Time.String
	}
	for _, l := range parseLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// decode converts a value scanned from a column of kind k to its canonical type (see connector.Record).
// A value that does not fit the declared type (SQLite is dynamically typed) is returned as stored.
func decode(k kind, v any) any {
	if b, ok := v.([]byte); ok && b == nil {
		// The driver scans an empty BLOB as a nil []byte (a NULL is an untyped nil).
		return []byte{}
	}
	switch k {
	case kindReal:
		if n, ok := v.(int64); ok {
			return float64(n)
		}
	case kindBool:
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				return x == 1
			}
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b
			}
		}
	case kindTime, kindDate:
		switch x := v.(type) {
		case time.Time:
			return x.UTC()
		case string:
			if t, ok := parseTime(x); ok {
				return t
			}
		}
	case kindDecimal:
		switch x := v.(type) {
		case string:
			if isNumber(x) {
				return json.Number(x)
			}
		case int64:
			return json.Number(strconv.FormatInt(x, 10))
		case float64:
			return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
	case kindJSON:
		if s, ok := v.(string); ok {
			if j, err := decodeJSON(s); err == nil {
				return j
			}
		}
	}
	return v
}

// isNumber reports whether s is a JSON number, which is what json.Number must hold.
func isNumber(s string) bool {
	if s == "" || !(s[0] == '-' || '0' <= s[0] && s[0] <= '9') || !('0' <= s[len(s)-1] && s[len(s)-1] <= '9') {
		return false
	}
	return json.Valid([]byte(s))
}

// decodeJSON decodes JSON text the way connector.DecodeKey does: whole numbers that fit become int64,
// other numbers stay exact as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return numbersToInt(v), nil
}

func numbersToInt(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToInt(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToInt(e)
		}
	}
	return v
}

// encode converts a canonical value to what is bound for a column of kind k: times as text in
// timeLayout, exact decimals as their text, objects and lists as canonical JSON text.
func encode(k kind, v any) (any, error) {
	if k == kindJSON && v != nil {
		// A JSON column holds a document: a single value (true, "123", "null") is written as JSON too,
		// or it would read back as another value (1, 123, NULL).
		b, err := connector.CanonicalJSON(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []byte:
		return x, nil
	case time.Time:
		return formatTime(x, k), nil
	case json.Number:
		if k == kindNone {
			return numberValue(x), nil
		}
		return x.String(), nil
	case map[string]any, []any:
		b, err := connector.CanonicalJSON(x)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	n, err := connector.Normalize(v)
	if err != nil {
		return nil, err
	}
	return encode(k, n)
}

// encodeBound converts a cursor position value (a canonical value, or a time as RFC 3339 text as
// connector.DecodeKey returns it) to a parameter that compares with the column's stored values as the
// values themselves compare.
func encodeBound(k kind, v any) (any, error) {
	switch x := v.(type) {
	case string:
		if k == kindTime || k == kindDate {
			if t, ok := parseTime(x); ok {
				return formatTime(t, k), nil
			}
		}
	case json.Number:
		// A number compared with text is always smaller in SQLite; bind a number unless the column
		// holds decimals as text.
		if k != kindDecimal && k != kindText {
			return numberValue(x), nil
		}
	}
	return encode(k, v)
}

// numberValue is a json.Number as SQLite should hold it outside decimal and text columns: an int64
// when it is one, a float64 when that float prints back as the same text, else the text itself (which
// no number could hold exactly). encode writes it so in a column without a type, where no affinity
// converts, and encodeBound binds it so: a key written is found again.
func numberValue(x json.Number) any {
	if n, err := x.Int64(); err == nil {
		return n
	}
	if f, err := x.Float64(); err == nil && strconv.FormatFloat(f, 'g', -1, 64) == x.String() {
		return f
	}
	return x.String()
}
