package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// Decode parses a JSON document keeping numbers exact (json.Number), so that Value can tell integers
// from decimals. Trailing data after the document is an error.
func Decode(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON response: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode JSON response: unexpected data after the document")
	}
	return v, nil
}

// Value converts a value decoded by Decode to the record value types (see connector.Record): whole
// numbers that fit become int64, other numbers float64 (json.Number when a float64 cannot hold them
// exactly enough to round-trip, e.g. 1e400), objects map[string]any and arrays []any.
func Value(v any) any {
	switch x := v.(type) {
	case json.Number:
		return number(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Value(e)
		}
		return out
	}
	return v
}

func number(n json.Number) any {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return n // a whole number beyond int64: keep it exact
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return n
	}
	return f
}

// RecordOf converts a decoded JSON object to a record; anything else is an error.
func RecordOf(v any) (connector.Record, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object per record, got %s", kindOf(v))
	}
	return connector.Record(Value(m).(map[string]any)), nil
}

// Lookup follows a dotted path into a decoded JSON value: object keys by name and array items by
// index ("data.items", "results.0.id"). The empty path returns v itself.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[part]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// Scalar renders a JSON scalar found with Lookup (a string, number or bool) as text, for ids and
// cursor tokens; ok is false for null, objects and arrays.
func Scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// Encode renders a request body: a record or any canonical value as JSON, times in RFC 3339.
func Encode(v any) ([]byte, error) {
	b, err := connector.CanonicalJSON(v)
	if err != nil {
		return nil, fmt.Errorf("encode request body: %w", err)
	}
	return b, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
