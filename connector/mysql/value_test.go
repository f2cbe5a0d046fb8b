package mysql

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

// A JSON document read from a column decodes to canonical values that encode to JSON which decodes to
// the same values: what is read can be written back without change.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `12345678901234567890`, `-0`, `1e400`, `"\u00e9"`, `[]`, `{} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeJSON(b)
		if err != nil {
			return
		}
		enc, err := connector.CanonicalJSON(v)
		if err != nil {
			t.Fatalf("decoded %q to %#v, which has no canonical JSON: %v", b, v, err)
		}
		again, err := decodeJSON(enc)
		if err != nil {
			t.Fatalf("canonical JSON %s of %q does not decode: %v", enc, b, err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Errorf("%q -> %s changes the value (-first +second):\n%s", b, enc, diff)
		}
	})
}
