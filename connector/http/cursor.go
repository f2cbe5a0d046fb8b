package http

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// Compare orders two record values: numbers (int64, float64, json.Number) numerically, times by
// instant (a string is parsed as RFC 3339 when compared with a time), strings bytewise, false before
// true. Values of kinds that cannot be compared are an error.
func Compare(a, b any) (int, error) {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y), nil
		}
	case string:
		switch y := b.(type) {
		case string:
			return cmp.Compare(x, y), nil
		case time.Time:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.Compare(y), nil
			}
		}
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			return x.Compare(y), nil
		case string:
			if t, err := time.Parse(time.RFC3339Nano, y); err == nil {
				return x.Compare(t), nil
			}
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(b2i(x), b2i(y)), nil
		}
	}
	if fa, ok := float(a); ok {
		if fb, ok := float(b); ok {
			return cmp.Compare(fa, fb), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %T %v with %T %v", a, a, b, b)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func float(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f, err == nil
	}
	return 0, false
}

// CursorSlice puts records fetched for a cursor read in the order the CursorSource contract asks for,
// when the API cannot sort them itself: records with a NULL (or missing) cursor field first, ordered
// by key; then the others in ascending (cursor..., key...) order, dropping those whose tuple is below
// from. from may be a prefix of the tuple (only that prefix is compared), and a NULL in it matches
// everything from there on, as NULLs sort first. recs is sorted in place. A record served twice (an
// update moved it from one page to another during the read) is kept once, in its latest version: the
// one with the highest cursor (a reader that kept the first would move the position past the update).
func CursorSlice(recs []connector.Record, cursor, key []string, from []any) ([]connector.Record, error) {
	order := append(slices.Clone(cursor), key...)
	if len(from) > len(order) {
		return nil, fmt.Errorf("cursor position has %d values, want at most %d (cursor %v then key %v)", len(from), len(order), cursor, key)
	}
	for i, v := range from {
		if v == nil {
			from = from[:i]
			break
		}
	}
	var nulls, rest []connector.Record
	for _, r := range recs {
		if hasNull(r, cursor) {
			nulls = append(nulls, r)
		} else {
			rest = append(rest, r)
		}
	}
	var cerr error
	compare := func(fields []string) func(a, b connector.Record) int {
		return func(a, b connector.Record) int {
			for _, f := range fields {
				c, err := compareNullsFirst(a[f], b[f])
				if err != nil && cerr == nil {
					cerr = fmt.Errorf("field %q: %w", f, err)
				}
				if c != 0 {
					return c
				}
			}
			return 0
		}
	}
	slices.SortStableFunc(nulls, compare(key))
	slices.SortStableFunc(rest, compare(order))
	if cerr != nil {
		return nil, cerr
	}
	nulls, rest = latestVersions(nulls, rest, key)
	start := 0
	if len(from) > 0 {
		start = len(rest)
		for i, r := range rest {
			c, err := comparePrefix(r, order[:len(from)], from)
			if err != nil {
				return nil, err
			}
			if c >= 0 {
				start = i
				break
			}
		}
	}
	return append(nulls, rest[start:]...), nil
}

// latestVersions keeps one record per key: the last of rest (sorted by cursor, so the latest version),
// and a NULL-cursor record only when rest has none of its key. Records without their key stay, for the
// engine to report.
func latestVersions(nulls, rest []connector.Record, key []string) ([]connector.Record, []connector.Record) {
	keys := make([]string, len(rest)) // "" for a record without its key
	last := make(map[string]int, len(rest))
	for i, r := range rest {
		if k, err := connector.RecordKey(r, key); err == nil {
			keys[i], last[k] = k, i
		}
	}
	outRest := rest[:0:0]
	for i, r := range rest {
		if keys[i] == "" || last[keys[i]] == i {
			outRest = append(outRest, r)
		}
	}
	outNulls := nulls[:0:0]
	for _, r := range nulls {
		if k, err := connector.RecordKey(r, key); err == nil {
			if _, dated := last[k]; dated {
				continue
			}
			last[k] = -1 // the first NULL-cursor copy is kept, later ones not
		}
		outNulls = append(outNulls, r)
	}
	return outNulls, outRest
}

func hasNull(r connector.Record, fields []string) bool {
	for _, f := range fields {
		if r[f] == nil {
			return true
		}
	}
	return false
}

func compareNullsFirst(a, b any) (int, error) {
	switch {
	case a == nil && b == nil:
		return 0, nil
	case a == nil:
		return -1, nil
	case b == nil:
		return 1, nil
	}
	return Compare(a, b)
}

func comparePrefix(r connector.Record, fields []string, from []any) (int, error) {
	for i, f := range fields {
		c, err := compareNullsFirst(r[f], from[i])
		if err != nil {
			return 0, fmt.Errorf("cursor position value of %q: %w", f, err)
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}
