package file

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func TestJSONLDecoder(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []connector.Record
		wantErr []string // substrings of the error, nil for none
	}{
		{name: "empty file", in: "", want: nil},
		{name: "blank lines only", in: "\n  \n\t\r\n", want: nil},
		{
			name: "records, blank lines, CRLF, no final newline",
			in:   "{\"id\":1,\"name\":\"Ada\"}\r\n\n   \n{\"id\":2,\"name\":\"Bob\"}",
			want: []connector.Record{{"id": int64(1), "name": "Ada"}, {"id": int64(2), "name": "Bob"}},
		},
		{
			name: "BOM at the start",
			in:   "\xEF\xBB\xBF{\"id\":1}\n",
			want: []connector.Record{{"id": int64(1)}},
		},
		{
			name: "types and nesting",
			in:   `{"i":-3,"f":2.5,"big":18446744073709551616,"pi":3.14159265358979323846,"b":true,"n":null,"s":"x","o":{"k":[1,2.5,"z",{"d":7}]},"l":[]}` + "\n",
			want: []connector.Record{{
				"i": int64(-3), "f": 2.5, "big": json.Number("18446744073709551616"),
				"pi": json.Number("3.14159265358979323846"), "b": true, "n": nil, "s": "x",
				"o": map[string]any{"k": []any{int64(1), 2.5, "z", map[string]any{"d": int64(7)}}},
				"l": []any{},
			}},
		},
		{
			name: "unicode and escapes",
			in:   `{"name":"Zoë 日本 🚀","esc":"a\nb\u00e9\"","emoji":"\ud83d\ude80"}` + "\n",
			want: []connector.Record{{"name": "Zoë 日本 🚀", "esc": "a\nbé\"", "emoji": "🚀"}},
		},
		{name: "malformed line", in: "{\"id\":1}\n\n{\"id\":2,}\n", wantErr: []string{"f.jsonl:3:", "invalid JSON"}},
		{name: "unclosed object", in: "{\"id\":1\n", wantErr: []string{"f.jsonl:1:", "not closed"}},
		{name: "array, not object", in: "[1,2]\n", wantErr: []string{"f.jsonl:1:", "not a JSON object"}},
		{name: "null line", in: "{\"a\":1}\nnull\n", wantErr: []string{"f.jsonl:2:", "not a JSON object"}},
		{name: "two objects on a line", in: "{\"a\":1} {\"b\":2}\n", wantErr: []string{"f.jsonl:1:", "unexpected data"}},
		{name: "trailing garbage", in: "{\"a\":1}x\n", wantErr: []string{"f.jsonl:1:8:", "unexpected data"}},
		{name: "invalid UTF-8", in: "{\"a\":\"\xff\"}\n", wantErr: []string{"f.jsonl:1:", "UTF-8"}},
		{name: "object split over lines", in: "{\"a\":\n1}\n", wantErr: []string{"f.jsonl:1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(jsonlCodec{}, "f.jsonl", tt.in)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONLDecoderLongLine(t *testing.T) {
	// A line longer than the reader's buffer must come back whole.
	long := strings.Repeat("x", 200_000)
	got, err := decodeAll(jsonlCodec{}, "f.jsonl", `{"s":"`+long+`"}`+"\n"+`{"s":"y"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["s"] != long || got[1]["s"] != "y" {
		t.Fatalf("got %d records, first value of length %d", len(got), len(got[0]["s"].(string)))
	}
}

func TestJSONLEncoderRoundTrip(t *testing.T) {
	rec := connector.Record{"id": int64(1), "f": 0.1, "n": nil, "s": "line\nbreak é", "big": json.Number("1e400"),
		"nested": map[string]any{"b": []any{true, int64(2)}}}
	var sb strings.Builder
	enc := jsonlCodec{}.newEncoder(&sb, nil)
	if err := enc.record(rec); err != nil {
		t.Fatal(err)
	}
	if err := enc.flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"big":1e400,"f":0.1,"id":1,"n":null,"nested":{"b":[true,2]},"s":"line\nbreak é"}` + "\n"
	if sb.String() != want {
		t.Fatalf("encoded %q, want %q", sb.String(), want)
	}
	back, err := decodeAll(jsonlCodec{}, "f.jsonl", sb.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]connector.Record{rec}, back); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}
