package crashtest

import (
	"fmt"
	"slices"
)

// Digest maps each key of a table to the hashes of the rows that hold it: one hash per key in a faithful
// copy, more when a key was written twice.
type Digest map[string][]string

// Add records one row.
func (d Digest) Add(key, hash string) { d[key] = append(d[key], hash) }

// Diff counts how a target differs from the copy it should be.
type Diff struct {
	Lost       int // keys (or versions) the source has and the target lacks
	Extra      int // keys the target has and the source lacks
	Duplicated int // rows beyond the first with the same key (Compare) or the same key and hash (CompareVersions)
	Different  int // keys whose row in the target differs from the source's (Compare only)
}

// Zero reports whether the target is an exact copy.
func (d Diff) Zero() bool { return d == Diff{} }

func (d Diff) String() string {
	return fmt.Sprintf("lost %d, extra %d, duplicated %d, different %d", d.Lost, d.Extra, d.Duplicated, d.Different)
}

// Compare compares a mirror target with its source: every source key once, with the source's hash.
func Compare(source, target Digest) Diff {
	var d Diff
	for k, got := range target {
		d.Duplicated += len(got) - 1
		want, ok := source[k]
		switch {
		case !ok:
			d.Extra++
		case slices.ContainsFunc(got, func(h string) bool { return h != want[0] }):
			d.Different++
		}
	}
	for k := range source {
		if _, ok := target[k]; !ok {
			d.Lost++
		}
	}
	return d
}

// CompareVersions compares an append target, which keeps every version a key had, with its source: the
// source's current version of each key must be among the key's rows (else it is lost), and no version may
// be there twice (duplicated). Older versions are expected, so Different is not counted.
func CompareVersions(source, target Digest) Diff {
	var d Diff
	for k, got := range target {
		seen := map[string]bool{}
		for _, h := range got {
			if seen[h] {
				d.Duplicated++
			}
			seen[h] = true
		}
		if _, ok := source[k]; !ok {
			d.Extra++
		}
	}
	for k, want := range source {
		if !slices.Contains(target[k], want[0]) {
			d.Lost++
		}
	}
	return d
}
