package file

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

// decodeBytes decodes data completely; it stops at the first error.
func decodeBytes(c codec, data []byte) (cols []string, recs []connector.Record, err error) {
	dec, err := c.newDecoder(bytes.NewReader(data), "fuzz", nil)
	if err != nil {
		return nil, nil, err
	}
	for {
		rec, _, err := dec.next()
		if errors.Is(err, io.EOF) {
			return dec.columns(), recs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
}

// reencode writes recs with c's encoder.
func reencode(t *testing.T, c codec, cols []string, recs []connector.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := c.newEncoder(&buf, cols)
	if err := enc.header(); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := enc.record(r); err != nil {
			t.Fatalf("re-encode %v: %v", r, err)
		}
	}
	if err := enc.flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzJSONLReader: any input either decodes or gives an error naming the line, never a panic; whatever
// decodes writes back as canonical JSON that decodes to the same canonical JSON.
func FuzzJSONLReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c := jsonlCodec{}
		_, recs, err := decodeBytes(c, data)
		if err != nil {
			if !bytes.HasPrefix([]byte(err.Error()), []byte("fuzz:")) {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		out := reencode(t, c, nil, recs)
		_, back, err := decodeBytes(c, out)
		if err != nil {
			t.Fatalf("re-encoded records do not decode: %v\n%s", err, out)
		}
		if len(back) != len(recs) {
			t.Fatalf("%d records became %d", len(recs), len(back))
		}
		for i := range recs {
			a, errA := connector.CanonicalJSON(map[string]any(recs[i]))
			b, errB := connector.CanonicalJSON(map[string]any(back[i]))
			if errA != nil || errB != nil || !bytes.Equal(a, b) {
				t.Fatalf("record %d: %s (%v) became %s (%v)", i, a, errA, b, errB)
			}
		}
	})
}

// FuzzCSVReader: any input either decodes or gives an error naming the file, never a panic; whatever
// decodes writes back as CSV that decodes to the same records.
func FuzzCSVReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, semicolon bool) {
		c := csvCodec{comma: ',', header: true}
		if semicolon {
			c.comma = ';'
		}
		cols, recs, err := decodeBytes(c, data)
		if err != nil {
			if !bytes.HasPrefix([]byte(err.Error()), []byte("fuzz:")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		out := reencode(t, c, cols, recs)
		cols2, back, err := decodeBytes(c, out)
		if err != nil {
			t.Fatalf("re-encoded records do not decode: %v\n%q", err, out)
		}
		if len(recs) > 0 {
			if diff := cmp.Diff(cols, cols2); diff != "" {
				t.Fatalf("columns (-before +after):\n%s", diff)
			}
		}
		if diff := cmp.Diff(recs, back); diff != "" {
			t.Fatalf("records (-before +after):\n%s\nwritten: %q", diff, out)
		}
	})
}

// FuzzCSVParserMatchesEncodingCSV checks the parser against encoding/csv, the reference, on input without
// CR (where the two deliberately differ: the parser keeps CR LF inside quoted fields): both must give the
// same records, or both an error.
func FuzzCSVParserMatchesEncodingCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, semicolon bool) {
		if bytes.IndexByte(data, '\r') >= 0 {
			return
		}
		comma := ','
		if semicolon {
			comma = ';'
		}
		ref := csv.NewReader(bytes.NewReader(data))
		ref.Comma = comma
		ref.FieldsPerRecord = -1
		p := &csvParser{r: bufio.NewReader(bytes.NewReader(data)), comma: []byte(string(comma))}
		for n := 0; ; n++ {
			want, wantErr := ref.Read()
			got, _, gotErr := p.readRecord(nil, nil)
			if errors.Is(wantErr, io.EOF) != errors.Is(gotErr, io.EOF) || (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("record %d: encoding/csv gave (%q, %v), the parser (%q, %v)", n, want, wantErr, got, gotErr)
			}
			if wantErr != nil {
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("record %d (-encoding/csv +parser):\n%s", n, diff)
			}
		}
	})
}
