package crashtest

import "testing"

// The harnesses are only as good as their comparison: each kind of damage must count.
func TestCompare(t *testing.T) {
	source := Digest{"1": {"a"}, "2": {"b"}, "3": {"c"}}
	for _, tc := range []struct {
		name     string
		target   Digest
		want     Diff
		versions Diff
	}{
		{"exact copy", Digest{"1": {"a"}, "2": {"b"}, "3": {"c"}}, Diff{}, Diff{}},
		{"lost", Digest{"1": {"a"}, "2": {"b"}}, Diff{Lost: 1}, Diff{Lost: 1}},
		{"extra", Digest{"1": {"a"}, "2": {"b"}, "3": {"c"}, "4": {"d"}}, Diff{Extra: 1}, Diff{Extra: 1}},
		{"duplicated", Digest{"1": {"a", "a"}, "2": {"b"}, "3": {"c"}}, Diff{Duplicated: 1}, Diff{Duplicated: 1}},
		{"different", Digest{"1": {"x"}, "2": {"b"}, "3": {"c"}}, Diff{Different: 1}, Diff{Lost: 1}},
		// An append target keeps older versions: not a difference there, a duplicate key in a mirror.
		{"older version kept", Digest{"1": {"x", "a"}, "2": {"b"}, "3": {"c"}}, Diff{Duplicated: 1, Different: 1}, Diff{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Compare(source, tc.target); got != tc.want {
				t.Errorf("Compare: %v, want %v", got, tc.want)
			}
			if got := CompareVersions(source, tc.target); got != tc.versions {
				t.Errorf("CompareVersions: %v, want %v", got, tc.versions)
			}
		})
	}
}
