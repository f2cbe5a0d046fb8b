package connector

import (
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// The fast path of DecodeKey must give what the JSON decoder gives, for encoded keys and for any text.
func TestDecodeSimpleKeyAgreesWithTheDecoder(t *testing.T) {
	check := func(t *rapid.T, s string) {
		v, ok := decodeSimpleKey(s)
		if !ok {
			return
		}
		want, err := decodeKeyJSON(s)
		if err != nil {
			t.Fatalf("fast path decoded %q as %#v; the decoder refuses it: %v", s, v, err)
		}
		if got := []any{v}; !reflect.DeepEqual(got, want) {
			t.Fatalf("key %q: fast path %#v, decoder %#v", s, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		var v any
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			v = rapid.Int64().Draw(t, "int")
		case 1:
			v = rapid.String().Draw(t, "string")
		default:
			v = rapid.Float64().Draw(t, "float")
		}
		s, err := EncodeKey([]any{v})
		if err != nil {
			t.Skip()
		}
		check(t, s)
		if _, ok := decodeSimpleKey(s); !ok {
			if _, isInt := v.(int64); isInt {
				t.Fatalf("the fast path does not take the int key %s", s)
			}
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		body := rapid.StringOf(rapid.RuneFrom([]rune(`[]"\-0123456789aé`+"\x00\t"))).Draw(t, "body")
		check(t, "["+body+"]")
		check(t, body)
	})
	for _, s := range []string{"[0]", "[-0]", "[01]", "[-]", "[9223372036854775807]", "[-9223372036854775808]",
		`[""]`, `["a\"b"]`, `["\u00e9"]`, "[\"\xff\"]", `["a","b"]`, "[1.5]", "[1e3]", "[ 1]"} {
		rapid.Check(t, func(t *rapid.T) { check(t, s) })
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	for _, s := range []string{"[1234567]", `["c-1002"]`, `["a",1]`} {
		b.Run(s, func(b *testing.B) {
			for range b.N {
				if _, err := DecodeKey(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
