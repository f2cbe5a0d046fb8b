package config

import (
	"fmt"
	"strings"
)

// Select returns the syncs named in names, in the order of the file; nil or empty names select every
// sync. An unknown name is an error that lists the known ones.
func (s *Spec) Select(names []string) ([]*Sync, error) {
	if len(names) == 0 {
		return append([]*Sync(nil), s.Syncs...), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []*Sync
	known := make([]string, len(s.Syncs))
	matched := map[string]bool{}
	for i, sy := range s.Syncs {
		known[i] = sy.Name
		// A template's name selects every tenant's instance of it.
		if want[sy.Name] || (sy.Template != "" && want[sy.Template]) {
			out = append(out, sy)
			matched[sy.Name], matched[sy.Template] = true, true
		}
	}
	for n := range matched {
		delete(want, n)
	}
	if len(want) > 0 {
		var unknown []string
		for _, n := range names {
			if q := fmt.Sprintf("%q", n); want[n] && !contains(unknown, q) {
				unknown = append(unknown, q)
			}
		}
		return nil, fmt.Errorf("unknown sync %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}
