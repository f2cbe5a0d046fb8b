package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgtype"
)

// numericText agrees with the server's numeric_out on tricky and random values.
func TestNumericMatchesServer(t *testing.T) {
	d := newTestDB(t)
	const q = `SELECT v, v::text FROM (VALUES ('0'::numeric), ('0.000'), ('-0.5'), ('1'), ('10000'), ('9999.9999'),
		('100000000'), ('0.0001'), ('0.00001'), ('-123456789.987654321'), ('1e-30'), ('1e30'), ('12.30'),
		('1234567890123456789012345678901234567890'), ('0.1000'), ('-10000.00010')) AS x(v)
		UNION ALL SELECT v, v::text FROM (SELECT round((random() - 0.5)::numeric * 10::numeric ^ (g % 40), g % 23) AS v
		                                  FROM generate_series(1, 2000) g) AS r`
	rr := d.admin.PgConn().ExecParams(context.Background(), q, nil, nil, nil, []int16{binaryFormat, textFormat})
	n := 0
	for rr.NextRow() {
		vals := rr.Values()
		got, err := numericText(vals[0])
		if err != nil {
			t.Fatal(err)
		}
		if got != string(vals[1]) {
			t.Errorf("numericText = %s, server says %s", got, vals[1])
		}
		n++
	}
	if _, err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 2016 {
		t.Fatalf("checked %d values", n)
	}
}

func TestAppendText(t *testing.T) {
	ts := column{typ: "timestamp with time zone", oid: pgtype.TimestamptzOID}
	date := column{typ: "date", oid: pgtype.DateOID}
	for _, tc := range []struct {
		v    any
		col  column
		want string
	}{
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), ts, "2024-01-02 03:04:05+00"},
		{time.Date(2024, 1, 2, 3, 4, 5, 120000000, time.FixedZone("", 3600)), ts, "2024-01-02 02:04:05.12+00"},
		{time.Date(-43, 3, 15, 12, 0, 0, 1000, time.UTC), ts, "0044-03-15 12:00:00.000001+00 BC"},
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), date, "0001-01-01 BC"},
		{time.Date(2024, 12, 31, 23, 0, 0, 0, time.FixedZone("", -3600)), date, "2025-01-01"},
		{[]any{"a\"b", nil, `c\d`, []byte("e")}, column{oid: pgtype.TextArrayOID, elem: pgtype.TextOID}, `{"a\"b",NULL,"c\\d","e"}`},
		{[]any{[]any{int64(1)}, []any{int64(2)}}, column{elem: pgtype.Int4OID}, `{{"1"},{"2"}}`},
		{[]any{[]byte{1, 2}}, column{elem: pgtype.ByteaOID}, `{"\\x0102"}`},
		{[]any{[]any{int64(1)}, map[string]any{"b": "x"}}, column{elem: pgtype.JSONBOID}, `{"[1]","{\"b\":\"x\"}"}`},
		{"plain", column{oid: pgtype.JSONBOID}, `"plain"`},
		{json.Number("1.50"), column{oid: pgtype.NumericOID}, "1.50"},
		{1e21, column{oid: pgtype.Float8OID}, "1e+21"},
		{int32(7), column{oid: pgtype.Int4OID}, "7"},
		{[]byte("\\"), column{oid: pgtype.ByteaOID}, `\x5c`},
	} {
		got, null, err := appendText(nil, tc.v, tc.col)
		if err != nil || null || string(got) != tc.want {
			t.Errorf("appendText(%#v) = %q, %v, %v; want %q", tc.v, got, null, err, tc.want)
		}
	}
	if _, _, err := appendText(nil, int64(1), column{name: "a", typ: "integer[]", elem: pgtype.Int4OID}); err == nil {
		t.Error("a number into an array column: no error")
	}
	if _, _, err := appendText(nil, struct{}{}, column{oid: pgtype.TextOID}); err == nil {
		t.Error("a struct: no error")
	}
	if got := string(appendCopyText(nil, "a\\b\tc\nd\re")); got != `a\\b\tc\nd\re` {
		t.Errorf("appendCopyText = %q", got)
	}
}

func TestArrayDecoder(t *testing.T) {
	// int4[] '{{1,NULL},{3,4}}' in binary, lower bound 1.
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 2)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, pgtype.Int4OID)
	for range 2 {
		b = binary.BigEndian.AppendUint32(b, 2)
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	for _, v := range []int32{1, -1, 3, 4} {
		if v == -1 {
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			continue
		}
		b = binary.BigEndian.AppendUint32(b, 4)
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	got, err := arrayDecoder(scalarDecoder(pgtype.Int4OID))(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]any{int64(1), nil}, []any{int64(3), int64(4)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(append([]byte(nil), b...), 0), b[:13]} {
		if _, err := arrayDecoder(scalarDecoder(pgtype.Int4OID))(bad); err == nil {
			t.Errorf("malformed array of %d bytes decoded without error", len(bad))
		}
	}
}

// The binary decoders take server bytes; malformed input must give an error, never a panic.
func FuzzArrayDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23})
	decs := []decoder{
		arrayDecoder(scalarDecoder(pgtype.Int4OID)), arrayDecoder(scalarDecoder(pgtype.NumericOID)),
		arrayDecoder(scalarDecoder(pgtype.TextOID)), arrayDecoder(scalarDecoder(pgtype.JSONBOID)),
		arrayDecoder(scalarDecoder(pgtype.TimestamptzOID)), arrayDecoder(scalarDecoder(pgtype.UUIDOID)),
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dec := range decs {
			_, _ = dec(b)
		}
	})
}

func FuzzNumericText(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 11, 184})
	f.Add([]byte{0, 0, 0, 0, 0xc0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := numericText(b)
		if err == nil {
			if _, ferr := json.Number(s).Float64(); ferr != nil && len(s) < 300 {
				t.Errorf("numericText gave %q, not a number", s)
			}
		}
	})
}

func FuzzParseStream(f *testing.F) {
	for _, s := range []string{"t", "s.t", `"a.b"."c"`, `a"b;drop table x`, `"x""y".z`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tb, err := parseStream(s)
		if err != nil {
			return
		}
		// What parses names a table that, quoted, parses back to itself.
		back, err := parseStream(quotedStream(tb))
		if err != nil || back != tb {
			t.Errorf("parseStream(%q) = %+v, whose quoted form parses to %+v, %v", s, tb, back, err)
		}
	})
}

// quotedStream writes t as a stream with both parts quoted.
func quotedStream(t table) string {
	if t.schema == "" {
		return quoteIdent(t.name)
	}
	return quoteIdent(t.schema) + "." + quoteIdent(t.name)
}
