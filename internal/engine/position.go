package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// A position is the (cursor..., key...) tuple of a record. It is stored with its types
// (connector.MarshalTyped) because a cursor value must be bound back as the same type it came as.

func encodePosition(pos []any) ([]byte, error) {
	if pos == nil {
		return nil, nil
	}
	return connector.MarshalTyped(pos)
}

func decodePosition(b []byte) ([]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	v, err := connector.UnmarshalTyped(b)
	if err != nil {
		return nil, fmt.Errorf("stored cursor: %w", err)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("stored cursor is not a list")
	}
	return list, nil
}

// positionOf returns a record's position, or nil when a cursor field is NULL or missing (JSON APIs leave
// null fields out): such records are read every time and never move the cursor; missing says a field was
// absent, which the run reports.
func positionOf(r connector.Record, cursor, key []string) (pos []any, missing bool) {
	pos = make([]any, 0, len(cursor)+len(key))
	for _, f := range cursor {
		v, ok := r[f]
		if !ok {
			return nil, true
		}
		if v == nil {
			return nil, false
		}
		pos = append(pos, v)
	}
	for _, f := range key {
		pos = append(pos, r[f])
	}
	return pos, false
}

// compareValues orders two canonical values of the same kind; values of different kinds order by kind.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < y, x > y)
		case float64:
			return cmp3(float64(x) < y, float64(x) > y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp3(x < y, x > y)
		case int64:
			return cmp3(x < float64(y), x > float64(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case json.Number:
		if y, ok := b.(json.Number); ok {
			xf, _ := x.Float64()
			yf, _ := y.Float64()
			return cmp3(xf < yf, xf > yf)
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp3(!x && y, x && !y)
		}
	}
	return strings.Compare(fmt.Sprintf("%T", a), fmt.Sprintf("%T", b))
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

func comparePositions(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// startPosition is where a cursor read begins: the stored position, or with a lookback only its first
// cursor value, moved back by the lookback when it is a time. Re-reading costs reads, never writes:
// records whose hash matches the ledger are unchanged.
func startPosition(stored []any, lookback time.Duration) []any {
	if stored == nil || lookback <= 0 {
		return stored
	}
	if t, ok := stored[0].(time.Time); ok {
		return []any{t.Add(-lookback)}
	}
	return stored[:1]
}
