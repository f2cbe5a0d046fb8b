package file

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func TestCSVDecoder(t *testing.T) {
	comma := csvCodec{comma: ',', header: true}
	tests := []struct {
		name    string
		codec   csvCodec
		in      string
		want    []connector.Record
		wantErr []string
	}{
		{name: "empty file", codec: comma, in: ""},
		{name: "header only", codec: comma, in: "id,name\n"},
		{
			name: "plain, CRLF, blank line, no final newline", codec: comma,
			in:   "id,name\r\n1,Ada\r\n\r\n2,Bob",
			want: []connector.Record{{"id": "1", "name": "Ada"}, {"id": "2", "name": "Bob"}},
		},
		{
			name: "BOM", codec: comma,
			in:   "\xEF\xBB\xBFid,name\n1,Ada\n",
			want: []connector.Record{{"id": "1", "name": "Ada"}},
		},
		{
			name: "quotes, delimiters and newlines inside fields", codec: comma,
			in:   "id,note\n1,\"say \"\"hi\"\", then, go\"\n2,\"two\nlines\"\n3,\n",
			want: []connector.Record{{"id": "1", "note": `say "hi", then, go`}, {"id": "2", "note": "two\nlines"}, {"id": "3", "note": ""}},
		},
		{
			name: "CR LF inside a quoted field is kept; a lone CR too", codec: comma,
			in:   "id,note\r\n1,\"a\r\nb\"\r\n2,x\ry\r\n3,\"\r\r\n\"\r",
			want: []connector.Record{{"id": "1", "note": "a\r\nb"}, {"id": "2", "note": "x\ry"}, {"id": "3", "note": "\r\r\n"}},
		},
		{
			name: "empty fields and quoted empties", codec: comma,
			in:   "a,b,c\n,,\n\"\",\"\",\"\"\n\"x\",,\"\"\"\"\n",
			want: []connector.Record{{"a": "", "b": "", "c": ""}, {"a": "", "b": "", "c": ""}, {"a": "x", "b": "", "c": `"`}},
		},
		{
			name: "multi-byte delimiter", codec: csvCodec{comma: '§', header: true},
			in:   "id§name\n1§\"a§b\"\n",
			want: []connector.Record{{"id": "1", "name": "a§b"}},
		},
		{
			name: "unicode", codec: comma,
			in:   "id,名前\n1,Zoë 🚀\n",
			want: []connector.Record{{"id": "1", "名前": "Zoë 🚀"}},
		},
		{
			name: "semicolon delimiter", codec: csvCodec{comma: ';', header: true},
			in:   "id;name\n1;a,b\n",
			want: []connector.Record{{"id": "1", "name": "a,b"}},
		},
		{
			name: "null setting", codec: csvCodec{comma: ',', header: true, null: "", hasNull: true},
			in:   "id,note\n1,\n2,\"\"\n3,x\n", // a quoted field is text: "" is the empty string, as in PostgreSQL's CSV
			want: []connector.Record{{"id": "1", "note": nil}, {"id": "2", "note": ""}, {"id": "3", "note": "x"}},
		},
		{
			name: "null marker", codec: csvCodec{comma: ',', header: true, null: `\N`, hasNull: true},
			in:   "id,note\n1,\\N\n2,\n",
			want: []connector.Record{{"id": "1", "note": nil}, {"id": "2", "note": ""}},
		},
		{name: "too few fields", codec: comma, in: "id,name\n1,Ada\n2\n", wantErr: []string{"f.csv:3:", "wrong number of fields: 1", "2 columns"}},
		{name: "too many fields", codec: comma, in: "id,name\n1,Ada,x\n", wantErr: []string{"f.csv:2:", "wrong number of fields: 3"}},
		{name: "field count after multi-line field", codec: comma, in: "id,note\n1,\"a\nb\"\n2,x,y\n", wantErr: []string{"f.csv:4:"}},
		{name: "bare quote", codec: comma, in: "id,name\n1,a\"b\n", wantErr: []string{"f.csv:2:4:", "unquoted field"}},
		{name: "text after closing quote", codec: comma, in: "id,name\n1,\"a\"b\n", wantErr: []string{"f.csv:2:6:", "after a closing quote"}},
		{name: "unterminated quote spanning lines", codec: comma, in: "id,name\n1,ok\n2,\"abc\nmore\n", wantErr: []string{"f.csv:3:3:", "not closed"}},
		{name: "unterminated quote", codec: comma, in: "id,name\n1,\"abc\n", wantErr: []string{"f.csv:", "quote"}},
		{name: "empty header name", codec: comma, in: "id,,name\n1,2,3\n", wantErr: []string{"f.csv:1:", "column 2 has no name"}},
		{name: "duplicate header name", codec: comma, in: "id,name,id\n1,2,3\n", wantErr: []string{"f.csv:1:", "columns 1 and 3", `"id"`}},
		{name: "invalid UTF-8 value", codec: comma, in: "id,name\n1,caf\xe9\n", wantErr: []string{"f.csv:2:3:", "UTF-8"}},
		{name: "invalid UTF-8 header", codec: comma, in: "id,nam\xe9\n", wantErr: []string{"f.csv:1:", "UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(tt.codec, "f.csv", tt.in)
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

func TestCSVFormatValues(t *testing.T) {
	tm := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.FixedZone("x", 2*3600))
	tests := []struct {
		in   any
		want any
	}{
		{nil, nil},
		{"text", "text"},
		{int64(-12), "-12"},
		{7, "7"},
		{0.1, "0.1"},
		{1e21, "1e+21"},
		{2.0, "2"},
		{2e6, "2000000"},
		{1250000.5, "1250000.5"},
		{1e-7, "1e-07"},
		{true, "true"},
		{false, "false"},
		{tm, "2024-05-06T05:08:09.123Z"},
		{json.Number("12.500"), "12.500"},
		{[]byte("hi"), "aGk="},
		{map[string]any{"b": int64(1), "a": []any{"x"}}, `{"a":["x"],"b":1}`},
		{[]any{int64(1), "two"}, `[1,"two"]`},
	}
	for _, tt := range tests {
		got, err := csvCodec{}.storeValue(tt.in)
		if err != nil {
			t.Fatalf("storeValue(%#v): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("storeValue(%#v) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
	if _, err := (csvCodec{}).storeValue("caf\xe9"); err == nil {
		t.Error("storeValue accepted invalid UTF-8")
	}
}

func TestCSVEncoder(t *testing.T) {
	tests := []struct {
		name  string
		codec csvCodec
		cols  []string
		recs  []connector.Record
		want  string
	}{
		{
			name: "quoting", codec: csvCodec{comma: ',', header: true}, cols: []string{"id", "note"},
			recs: []connector.Record{{"id": "1", "note": "a,b"}, {"id": "2", "note": "say \"hi\"\nbye"}, {"id": "3"}},
			want: "id,note\n1,\"a,b\"\n2,\"say \"\"hi\"\"\nbye\"\n3,\n",
		},
		{
			name: "one column of empty values survives", codec: csvCodec{comma: ',', header: true}, cols: []string{"k"},
			recs: []connector.Record{{"k": ""}, {"k": "x"}},
			want: "k\n\"\"\nx\n",
		},
		{
			name: "null marker and tab", codec: csvCodec{comma: '\t', header: true, null: `\N`, hasNull: true}, cols: []string{"a", "b"},
			recs: []connector.Record{{"a": "1", "b": nil}, {"a": "2", "b": ""}},
			want: "a\tb\n1\t\\N\n2\t\n",
		},
		{
			// A text equal to the marker is quoted and reads back as text; the NULL beside it stays bare.
			name: "text equal to the null marker", codec: csvCodec{comma: ',', header: true, null: `\N`, hasNull: true}, cols: []string{"a", "b"},
			recs: []connector.Record{{"a": `\N`, "b": nil}, {"a": "x", "b": `\N`}},
			want: "a,b\n\"\\N\",\\N\nx,\"\\N\"\n",
		},
		{
			// With null: "" an empty text is quoted, and "" is not NULL: both survive.
			name: "empty text with an empty null marker", codec: csvCodec{comma: ',', header: true, null: "", hasNull: true}, cols: []string{"a", "b"},
			recs: []connector.Record{{"a": "", "b": nil}},
			want: "a,b\n\"\",\n",
		},
		{
			name: "no header row", codec: csvCodec{comma: ','}, cols: []string{"a"},
			recs: []connector.Record{{"a": "1"}},
			want: "1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			enc := tt.codec.newEncoder(&sb, tt.cols)
			if err := enc.header(); err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.recs {
				if err := enc.record(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.flush(); err != nil {
				t.Fatal(err)
			}
			if sb.String() != tt.want {
				t.Fatalf("wrote %q, want %q", sb.String(), tt.want)
			}
			if !tt.codec.header {
				return
			}
			back, err := decodeAll(tt.codec, "f.csv", sb.String())
			if err != nil {
				t.Fatal(err)
			}
			if len(back) != len(tt.recs) {
				t.Fatalf("read back %d records, wrote %d", len(back), len(tt.recs))
			}
			for i, r := range tt.recs {
				for _, col := range tt.cols {
					want, got := r[col], back[i][col]
					if want == nil && !tt.codec.hasNull {
						want = "" // without a null marker, NULL is written as an empty field
					}
					if (want == nil) != (got == nil) || (want != nil && want != got) {
						t.Errorf("record %d field %s read back as %#v, written %#v", i, col, got, want)
					}
				}
			}
		})
	}
}

func TestCSVEncoderRejectsUnknownField(t *testing.T) {
	var sb strings.Builder
	enc := csvCodec{comma: ',', header: true}.newEncoder(&sb, []string{"id"})
	err := enc.record(connector.Record{"id": "1", "extra": "x"})
	wantErr(t, err, `field "extra" is not a column`)
	if err := enc.flush(); err != nil {
		t.Fatal(err)
	}
	if sb.Len() != 0 {
		t.Fatalf("a rejected record wrote %q", sb.String())
	}
}
