package file

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// columns returns the CSV columns for records with the given key: the key fields first, in key order,
// then every other name in fields or in a record, sorted.
func columns(key, fields []string, recs []connector.Record) []string {
	seen := make(map[string]bool, len(key)+len(fields))
	for _, k := range key {
		seen[k] = true
	}
	var rest []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			rest = append(rest, name)
		}
	}
	for _, f := range fields {
		add(f)
	}
	for _, r := range recs {
		for f := range r {
			add(f)
		}
	}
	sort.Strings(rest)
	return append(append(make([]string, 0, len(key)+len(rest)), key...), rest...)
}

// keyPart is one key value prepared for sorting.
type keyPart struct {
	whole bool // the text is a whole number that fits int64
	n     int64
	text  string
}

// sortKey orders records in a written file: component by component, whole numbers (including CSV text
// such as "42") numerically and before any other value, other values by their text; ties end with the
// canonical key encoding, which is unique, so the order is total and the output deterministic.
type sortKey struct {
	parts []keyPart
	enc   string
}

func newSortKey(vals []any, enc string) sortKey {
	parts := make([]keyPart, len(vals))
	for i, v := range vals {
		text := keyText(v)
		n, err := strconv.ParseInt(text, 10, 64)
		parts[i] = keyPart{whole: err == nil, n: n, text: text}
	}
	return sortKey{parts: parts, enc: enc}
}

// keyText is a value's canonical JSON, unquoted when it is a JSON string, so that a value sorts the same
// whether it comes from a change (a time, the float64 3) or is read back from the file (its text, the
// int64 3).
func keyText(v any) string {
	b, err := connector.CanonicalJSON(v)
	if err != nil {
		return fmt.Sprint(v) // stored values are canonical; not reached
	}
	var s string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}

func (a sortKey) compare(b sortKey) int {
	for i := 0; i < len(a.parts) && i < len(b.parts); i++ {
		pa, pb := a.parts[i], b.parts[i]
		switch {
		case pa.whole && !pb.whole:
			return -1
		case !pa.whole && pb.whole:
			return 1
		case pa.whole:
			if c := cmp.Compare(pa.n, pb.n); c != 0 {
				return c
			}
		}
		if c := strings.Compare(pa.text, pb.text); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(a.parts), len(b.parts)); c != 0 {
		return c
	}
	return strings.Compare(a.enc, b.enc)
}
