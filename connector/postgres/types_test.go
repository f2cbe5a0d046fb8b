package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

// typesTable has a column of every type the connector reads exactly, and arrays of them.
const typesTable = `CREATE TABLE %s (
	id bigint PRIMARY KEY,
	i2 smallint, i4 integer, i8 bigint,
	num numeric, num_s numeric(12,2),
	f4 real, f8 double precision,
	t text, vc varchar(20), ch char(5),
	b bytea, bo boolean,
	d date, ts timestamp, tstz timestamptz,
	u uuid, j json, jb jsonb,
	ai int[], at text[], anum numeric[], ats timestamptz[], ab bytea[], ajb jsonb[], a2 int[][],
	ad date[], au uuid[], abool boolean[], af8 float8[], avc varchar[]
)`

// typesRows are rows with extreme, empty and NULL values of every type of typesTable.
var typesRows = []string{
	`(1, -32768, 2147483647, -9223372036854775808,
	  '123456789012345678901234567890.123456789012345678901234567890', 1234567890.12,
	  0.1, 1.7976931348623157e308,
	  E'Zoë 日本語 🎉 tab\there\nnew line\r\\ back "quoted" ''single''', 'Ångström', 'ab',
	  '\x00ff5c0a09', true,
	  '0044-03-15 BC', '2024-02-29 23:59:59.999999', '1999-12-31 23:59:59.123456+05',
	  'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
	  '{"a": 1, "b": [1.5, "x", null, true], "big": 12345678901234567890, "f": 1.0, "s": "é\n"}',
	  '{"a": 1, "b": [1.5, "x", null, true], "big": 12345678901234567890, "f": 1.0, "neg": -7}',
	  '{1,NULL,-3}', ARRAY['a,b', 'q"uote', 'back\slash', NULL, 'NULL', '', E'multi\nline'], '{0.1,-99999999999999999999.000000001,NULL}',
	  '{"2024-01-01 00:00:00.000001+00",NULL}', '{"\\x00ff",NULL,"\\x"}', ARRAY['{"k": [1, 2.5]}'::jsonb, 'null'::jsonb, NULL],
	  '{{1,2},{3,4}}', '{2000-01-01,1999-12-31}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{t,f,NULL}', '{-0.5,1e-300}', '{x,"y z"}')`,
	`(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	`(3, 0, 0, 0, 0, 0, -0.0, -0.0, '', '', '', '', false,
	  '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000',
	  '[]', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')`,
	`(4, 32767, -2147483648, 9223372036854775807, '-0.000000000000000000001', -9999999999.99, 3.4028235e38, 5e-324,
	  'x', 'twenty characters!!!', 'abcde', '\xdeadbeef', NULL,
	  '9999-12-31', '1900-01-01 12:00:00.5', '2262-04-11 23:47:16.854775+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
	  '"just a string"', '[1, 2, 3]', NULL, '{"日本"}', '{1e10}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
}

// The values of every type come out as the documented canonical values, exactly.
func TestTypesDecode(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(typesTable, "src"), "INSERT INTO src VALUES "+strings.Join(typesRows, ", "))
	c := d.open(t, nil)
	recs := readTable(t, c, "src")
	if len(recs) != len(typesRows) {
		t.Fatalf("read %d rows, want %d", len(recs), len(typesRows))
	}
	byID := map[int64]connector.Record{}
	for _, r := range recs {
		byID[r["id"].(int64)] = r
	}
	r1 := byID[1]
	want1 := connector.Record{
		"id": int64(1), "i2": int64(-32768), "i4": int64(2147483647), "i8": int64(-9223372036854775808),
		"num":   json.Number("123456789012345678901234567890.123456789012345678901234567890"),
		"num_s": json.Number("1234567890.12"),
		"f4":    0.1, "f8": 1.7976931348623157e308,
		"t":  "Zoë 日本語 🎉 tab\there\nnew line\r\\ back \"quoted\" 'single'",
		"vc": "Ångström", "ch": "ab   ",
		"b": []byte{0x00, 0xff, 0x5c, 0x0a, 0x09}, "bo": true,
		"d":    time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC),
		"ts":   time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC),
		"tstz": time.Date(1999, 12, 31, 18, 59, 59, 123456000, time.UTC),
		"u":    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
		"j": map[string]any{"a": int64(1), "b": []any{json.Number("1.5"), "x", nil, true},
			"big": json.Number("12345678901234567890"), "f": json.Number("1.0"), "s": "é\n"},
		"jb": map[string]any{"a": int64(1), "b": []any{json.Number("1.5"), "x", nil, true},
			"big": json.Number("12345678901234567890"), "f": json.Number("1.0"), "neg": int64(-7)},
		"ai":    []any{int64(1), nil, int64(-3)},
		"at":    []any{"a,b", `q"uote`, `back\slash`, nil, "NULL", "", "multi\nline"},
		"anum":  []any{json.Number("0.1"), json.Number("-99999999999999999999.000000001"), nil},
		"ats":   []any{time.Date(2024, 1, 1, 0, 0, 0, 1000, time.UTC), nil},
		"ab":    []any{[]byte{0x00, 0xff}, nil, []byte{}},
		"ajb":   []any{map[string]any{"k": []any{int64(1), json.Number("2.5")}}, nil, nil},
		"a2":    []any{[]any{int64(1), int64(2)}, []any{int64(3), int64(4)}},
		"ad":    []any{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
		"au":    []any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		"abool": []any{true, false, nil},
		"af8":   []any{-0.5, 1e-300},
		"avc":   []any{"x", "y z"},
	}
	if diff := cmp.Diff(want1, r1); diff != "" {
		t.Errorf("row 1 (-want +got):\n%s", diff)
	}
	for name, v := range byID[2] {
		if name != "id" && v != nil {
			t.Errorf("row 2: %s = %#v, want nil", name, v)
		}
	}
	r3 := byID[3]
	for name, want := range map[string]any{"t": "", "vc": "", "b": []byte{}, "num": json.Number("0"), "num_s": json.Number("0.00"),
		"j": []any{}, "jb": map[string]any{}, "ai": []any{}, "a2": []any{}, "bo": false} {
		if diff := cmp.Diff(want, r3[name]); diff != "" {
			t.Errorf("row 3 %s (-want +got):\n%s", name, diff)
		}
	}
	r4 := byID[4]
	for name, want := range map[string]any{"num": json.Number("-0.000000000000000000001"), "f4": 3.4028235e38, "f8": 5e-324,
		"j": "just a string", "jb": []any{int64(1), int64(2), int64(3)}, "anum": []any{json.Number("10000000000")},
		"tstz": time.Date(2262, 4, 11, 23, 47, 16, 854775000, time.UTC), "ts": time.Date(1900, 1, 1, 12, 0, 0, 5e8, time.UTC)} {
		if diff := cmp.Diff(want, r4[name]); diff != "" {
			t.Errorf("row 4 %s (-want +got):\n%s", name, diff)
		}
	}
}

// Every type round-trips value for value: read, write to another table, read back equal; and the
// second table equals the first as PostgreSQL sees it.
func TestTypesRoundTrip(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(typesTable, "src"), "INSERT INTO src VALUES "+strings.Join(typesRows, ", "),
		"CREATE TABLE dst (LIKE src INCLUDING ALL)")
	c := d.open(t, nil)
	src := readTable(t, c, "src")
	req := connector.WriteRequest{Stream: "dst", Key: []string{"id"}}
	noErrors(t, write(t, c, req, creates(t, req.Key, src)))
	if diff := cmp.Diff(byKey(src), byKey(readTable(t, c, "dst"))); diff != "" {
		t.Fatalf("read back after create (-src +dst):\n%s", diff)
	}
	// json keeps its text, which the write normalizes (sorted keys, no spaces): compare it as jsonb.
	diffRows := `SELECT count(*) FROM src x FULL JOIN dst y USING (id)
		WHERE (to_jsonb(x) - 'j') IS DISTINCT FROM (to_jsonb(y) - 'j') OR x.j::jsonb IS DISTINCT FROM y.j::jsonb
		   OR row(x.i2, x.i4, x.i8, x.num, x.num_s, x.f4, x.f8, x.t, x.vc, x.ch, x.b, x.bo, x.d, x.ts, x.tstz, x.u)::text
		      IS DISTINCT FROM row(y.i2, y.i4, y.i8, y.num, y.num_s, y.f4, y.f8, y.t, y.vc, y.ch, y.b, y.bo, y.d, y.ts, y.tstz, y.u)::text`
	if n := queryValue[int64](t, d, diffRows); n != 0 {
		t.Errorf("%d rows differ between src and dst", n)
	}
	// Updates of every column, and a second application, change nothing.
	updates := make([]connector.Change, len(src))
	for i, r := range src {
		updates[i] = connector.Change{Action: connector.Update, Key: []any{r["id"]}, Record: r.Clone()}
	}
	noErrors(t, write(t, c, req, updates, updates))
	if diff := cmp.Diff(byKey(src), byKey(readTable(t, c, "dst"))); diff != "" {
		t.Fatalf("read back after updates (-src +dst):\n%s", diff)
	}
}

// Values in the form other sources give them convert to the column's type: strings for times, numbers
// and uuids, integers and floats for numeric, maps for json, lists of strings for arrays.
func TestWriteConvertsValues(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(typesTable, "dst"))
	c := d.open(t, nil)
	rec := connector.Record{
		"id": int64(1), "i4": json.Number("42"), "num": int64(7), "num_s": 2.5, "f8": json.Number("0.25"),
		"t": int64(12), "b": "raw\\bytes", "bo": "yes", "d": "2024-05-06", "ts": "2024-05-06T07:08:09.123456Z",
		"tstz": time.Date(2024, 5, 6, 9, 8, 9, 0, time.FixedZone("x", 2*3600)), "u": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
		"j": map[string]any{"n": json.Number("1.50"), "t": "x"}, "jb": []any{"a", int64(1)}, "at": []any{"x", nil},
		"ai": "{5,6}", "vc": []byte("bytes"),
	}
	noErrors(t, write(t, c, connector.WriteRequest{Stream: "dst", Key: []string{"id"}},
		[]connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: rec}}))
	got := readTable(t, c, "dst")[0]
	want := map[string]any{
		"i4": int64(42), "num": json.Number("7"), "num_s": json.Number("2.50"), "f8": 0.25, "t": "12",
		"b": []byte("raw\\bytes"), "bo": true, "d": time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC),
		"ts": time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC), "tstz": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "j": map[string]any{"n": json.Number("1.50"), "t": "x"},
		"jb": []any{"a", int64(1)}, "at": []any{"x", nil}, "ai": []any{int64(5), int64(6)}, "vc": "bytes",
	}
	for name, w := range want {
		if diff := cmp.Diff(w, got[name]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

// NaN and infinity have no canonical value: a read that meets one fails naming the column, never
// returning a rounded or made-up value.
func TestNoCanonicalValueFailsRead(t *testing.T) {
	d := newTestDB(t)
	c := d.open(t, nil)
	for _, tc := range []struct{ typ, value string }{
		{"double precision", "'NaN'"}, {"real", "'Infinity'"}, {"numeric", "'NaN'"},
		{"date", "'infinity'"}, {"timestamptz", "'-infinity'"},
	} {
		d.exec(t, "DROP TABLE IF EXISTS odd", "CREATE TABLE odd (id int, v "+tc.typ+")", "INSERT INTO odd VALUES (1, "+tc.value+")")
		r, err := c.Read(context.Background(), connector.ReadRequest{Stream: "odd"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Next(context.Background())
		r.Close()
		if err == nil || !errors.Is(err, errNoCanonical) || !strings.Contains(err.Error(), `"v"`) {
			t.Errorf("%s %s: Next error %v, want one naming column \"v\" and wrapping errNoCanonical", tc.typ, tc.value, err)
		}
	}
}

// byKey indexes records by id for comparisons that ignore order.
func byKey(recs []connector.Record) map[int64]connector.Record {
	out := map[int64]connector.Record{}
	for _, r := range recs {
		out[r["id"].(int64)] = r
	}
	return out
}

// A time without a zone written to timestamptz (text from a CSV source) is read in UTC, not in the time
// zone the server gives sessions by default (here America/New_York, through the DSN's options).
func TestZonelessTimeIsUTCWhateverTheServerDefault(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id bigint PRIMARY KEY, at timestamptz)")
	sep := "?"
	if strings.Contains(d.dsn, "?") {
		sep = "&"
	}
	c := d.open(t, connector.Settings{"dsn": d.dsn + sep + "options=-c%20timezone%3DAmerica/New_York"})
	noErrors(t, write(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}},
		creates(t, []string{"id"}, []connector.Record{{"id": int64(1), "at": "2024-01-01 12:00:00"}})))
	if got := queryValue[time.Time](t, d, "SELECT at FROM t WHERE id = 1"); !got.Equal(time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored %s, want 2024-01-01 12:00:00 UTC", got.UTC())
	}
}
