package memory

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math/big"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// compareValues orders two canonical values the way a database orders a column: NULL first, then
// booleans, numbers (int64, float64 and json.Number compared by value), strings, times, bytes, and
// lists or maps by their canonical JSON. A string that parses as RFC 3339 compares with a time as that
// time, because connector.DecodeKey gives back stored cursor times as strings.
func compareValues(a, b any) int {
	if ta, ok := a.(time.Time); ok {
		if s, ok := b.(string); ok {
			if tb, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return ta.Compare(tb)
			}
		}
	}
	if s, ok := a.(string); ok {
		if _, ok := b.(time.Time); ok {
			return -compareValues(b, s)
		}
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case nil:
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		default:
			return 1
		}
	case string:
		return cmp.Compare(x, b.(string))
	case time.Time:
		return x.Compare(b.(time.Time))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	}
	if ra == rankNumber {
		return compareNumbers(a, b)
	}
	ja, _ := connector.CanonicalJSON(a)
	jb, _ := connector.CanonicalJSON(b)
	return bytes.Compare(ja, jb)
}

const (
	rankNull = iota
	rankBool
	rankNumber
	rankString
	rankTime
	rankBytes
	rankOther
)

func rank(v any) int {
	switch v.(type) {
	case nil:
		return rankNull
	case bool:
		return rankBool
	case int64, float64, json.Number:
		return rankNumber
	case string:
		return rankString
	case time.Time:
		return rankTime
	case []byte:
		return rankBytes
	default:
		return rankOther
	}
}

// compareNumbers compares int64, float64 and json.Number values exactly; the common same-type cases
// avoid big.Rat.
func compareNumbers(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	}
	if x, ok := a.(float64); ok {
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	}
	return rat(a).Cmp(rat(b))
}

func rat(v any) *big.Rat {
	r := new(big.Rat)
	switch x := v.(type) {
	case int64:
		r.SetInt64(x)
	case float64:
		r.SetFloat64(x)
	case json.Number:
		if _, ok := r.SetString(string(x)); !ok {
			r.SetInt64(0)
		}
	}
	return r
}

// compareTuples orders value lists element by element.
func compareTuples(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
