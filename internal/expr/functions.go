package expr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/onewaysync/oneway/connector"
)

// functions returns the helpers oneway adds to expr-lang's builtins. They follow SQL, which is what
// people who write data syncs already know.
func functions() []exprlang.Option {
	return []exprlang.Option{
		exprlang.Function("coalesce", coalesce, new(func(...any) any)),
		exprlang.Function("nullif", nullif, new(func(any, any) any)),
		exprlang.Function("concat_ws", concatWS, new(func(string, ...any) string)),
	}
}

// coalesce returns its first argument that is not nil, or nil (SQL COALESCE).
func coalesce(args ...any) (any, error) {
	for _, a := range args {
		if a != nil {
			return a, nil
		}
	}
	return nil, nil
}

// nullif returns nil when a equals b and a otherwise (SQL NULLIF): nullif(record.email, "") turns empty
// strings into nulls. Numbers compare by value across types (1 equals 1.0).
func nullif(args ...any) (any, error) {
	if runtime.Equal(args[0], args[1]) {
		return nil, nil
	}
	return args[0], nil
}

// concatWS joins its arguments after the first with the first as separator, skipping nils (PostgreSQL
// concat_ws): concat_ws(" ", record.first, record.middle, record.last). Empty strings are kept; wrap them
// in nullif to drop them. Lists and objects cannot be joined.
func concatWS(args ...any) (any, error) {
	sep, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("concat_ws: the separator must be text, not %T", args[0])
	}
	parts := make([]string, 0, len(args)-1)
	for i, a := range args[1:] {
		if a == nil {
			continue
		}
		s, err := scalarText(a)
		if err != nil {
			return nil, fmt.Errorf("concat_ws: argument %d: %w", i+2, err)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep), nil
}

// scalarText renders a scalar the same way on every machine: floats without exponent, times in UTC
// RFC 3339.
func scalarText(v any) (string, error) {
	n, err := connector.Normalize(v)
	if err != nil {
		return "", err
	}
	switch x := n.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	default:
		return "", fmt.Errorf("a %T cannot be joined; only text, numbers, booleans and times can", v)
	}
}
