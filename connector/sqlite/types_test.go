package sqlite

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// Every canonical type written through the target comes back from the source as the same value.
func TestTypeRoundTrip(t *testing.T) {
	c := openConn(t, filepath.Join(t.TempDir(), "types.db"))
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	full := connector.Record{
		"id":         int64(1),
		"i_max":      int64(math.MaxInt64),
		"i_min":      int64(math.MinInt64),
		"i_zero":     int64(0),
		"f":          1.5,
		"f_big":      1e300,
		"f_tiny":     5e-324,
		"f_neg":      -2.25,
		"f_whole":    3.0,
		"s":          "Zoë 🎉 日本語 e\u0301 tab\tnewline\n quote\" '",
		"s_empty":    "",
		"s_null":     "not null in this record",
		"b_true":     true,
		"b_false":    false,
		"blob":       []byte{0, 1, 2, 0xff, 0},
		"blob_empty": []byte{},
		"ts_nano":    time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone),
		"ts_micro":   time.Date(2024, 2, 29, 23, 59, 59, 123456000, time.UTC),
		"ts_whole":   time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		"ts_old":     time.Date(1899, 12, 31, 23, 59, 59, 1, time.UTC),
		"dec":        json.Number("12345678901234567890.123456789012345678"),
		"dec_zeros":  json.Number("0.10"),
		"dec_neg":    json.Number("-0.000000000000000001"),
		"dec_exp":    json.Number("1.5e-400"),
		"obj": map[string]any{
			"a": int64(1), "b": []any{"x", json.Number("1.5"), true, nil}, "c": map[string]any{"ü": "ß"},
			"big": json.Number("123456789012345678901234567890"),
		},
		"list":    []any{int64(1), "two", []any{}, map[string]any{}},
		"nothing": nil,
	}
	sparse := connector.Record{"id": int64(2)}
	for f := range full {
		if f != "id" {
			sparse[f] = nil
		}
	}
	sparse["s_null"] = ""
	fields := full.Fields()
	req := connector.WriteRequest{Stream: "types", Key: []string{"id"}, Fields: fields,
		Options: connector.Settings{"create_table": true}}
	applyOK(t, c, req, create(req.Key, full, sparse))

	want := []connector.Record{full.Clone(), sparse}
	want[0]["ts_nano"] = full["ts_nano"].(time.Time).UTC()
	got := readTable(t, c, "types")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	for _, r := range got {
		for f, v := range r {
			if tv, ok := v.(time.Time); ok && tv.Location() != time.UTC {
				t.Errorf("record %v field %s: time in %v, want UTC", r["id"], f, tv.Location())
			}
		}
	}
	// Hashes are made of canonical JSON: a float written inside an object must hash as it did before
	// the round trip, even though it comes back as an exact json.Number.
	before, _ := connector.CanonicalJSON(map[string]any{"v": []any{1.5, 2.0, 1e21}})
	apply(t, c, req, []connector.Change{{Action: connector.Update, Key: []any{int64(1)},
		Record: connector.Record{"id": int64(1), "obj": map[string]any{"v": []any{1.5, 2.0, 1e21}}}}})
	after, _ := connector.CanonicalJSON(readTable(t, c, "types")[0]["obj"])
	if string(before) != string(after) {
		t.Errorf("canonical JSON of an object changed in the round trip: %s, then %s", before, after)
	}

	// Every column got the declared type that reads back as its canonical type.
	types := map[string]string{}
	rows, err := rawDB(t, c.Path()).Query(`SELECT name, type FROM pragma_table_info('types')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		types[n] = ty
	}
	rows.Close()
	for col, ty := range map[string]string{"id": "INTEGER", "i_max": "INTEGER", "f": "REAL", "s": "TEXT",
		"b_true": "BOOLEAN", "blob": "BLOB", "ts_nano": "TIMESTAMP", "dec": DecimalType, "obj": JSONType,
		"list": JSONType, "nothing": ""} {
		if types[col] != ty {
			t.Errorf("column %s declared %q, want %q", col, types[col], ty)
		}
	}
}

// Values written by other programs are read as the canonical type their column's declared type
// names; values that do not fit are returned as stored.
func TestDecodeDeclaredTypes(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	tests := []struct {
		declared, literal string
		want              any
	}{
		{"INTEGER", "42", int64(42)},
		{"BIGINT", "9223372036854775807", int64(math.MaxInt64)},
		{"INT", "'abc'", "abc"},
		{"REAL", "1", 1.0},
		{"DOUBLE PRECISION", "2.5", 2.5},
		{"FLOAT", "NULL", nil},
		{"NUMERIC", "3", int64(3)},
		{"DECIMAL(12,2)", "12.50", 12.5},
		{"VARCHAR(20)", "'x'", "x"},
		{"TEXT", "''", ""},
		{"TEXT", "NULL", nil},
		{"TEXT", "12", "12"},
		{"BLOB", "x'00ff'", []byte{0, 0xff}},
		{"BLOB", "x''", []byte{}},
		{"BLOB", "NULL", nil},
		{"", "x''", []byte{}},
		{"", "7", int64(7)},
		{"", "NULL", nil},
		{"BOOLEAN", "1", true},
		{"BOOL", "0", false},
		{"boolean", "'true'", true},
		{"BOOLEAN", "2", int64(2)},
		{"DATETIME", "'2024-01-02 03:04:05'", utc("2024-01-02T03:04:05Z")},
		{"TIMESTAMP", "'2024-01-02T03:04:05.123456789Z'", utc("2024-01-02T03:04:05.123456789Z")},
		{"TIMESTAMP", "'2024-01-02 03:04:05+02:00'", utc("2024-01-02T01:04:05Z")},
		{"timestamp", "'2024-01-02 03:04:05.5'", utc("2024-01-02T03:04:05.5Z")},
		{"DATETIME(6)", "'2024-01-02 03:04:05.123456'", utc("2024-01-02T03:04:05.123456Z")},
		{"TIMESTAMP WITH TIME ZONE", "'2024-01-02T03:04:05-05:00'", utc("2024-01-02T08:04:05Z")},
		{"DATE", "'2024-01-02'", utc("2024-01-02T00:00:00Z")},
		{"DATETIME", "'not a time'", "not a time"},
		{"TIMESTAMP", "1700000000", int64(1700000000)},
		{"TIME", "'12:00:00'", "12:00:00"},
		{DecimalType, "'0.10'", json.Number("0.10")},
		{DecimalType, "5", json.Number("5")},
		{DecimalType, "'abc'", "abc"},
		{DecimalType, "'1 '", "1 "},
		{"JSON", `'{"a":[1,2.5,"x"]}'`, map[string]any{"a": []any{int64(1), json.Number("2.5"), "x"}}},
		{"JSON", "'[]'", []any{}},
		{JSONType, "'not json'", "not json"},
		{JSONType, "'[1] [2]'", "[1] [2]"},
	}
	for _, tt := range tests {
		t.Run(tt.declared+" "+tt.literal, func(t *testing.T) {
			path := newDB(t,
				`CREATE TABLE t (id INTEGER PRIMARY KEY, v `+tt.declared+`)`,
				`INSERT INTO t VALUES (1, `+tt.literal+`)`)
			got := readTable(t, openConn(t, path), "t")
			if len(got) != 1 {
				t.Fatalf("read %d records, want 1", len(got))
			}
			if diff := cmp.Diff(tt.want, got[0]["v"]); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := map[string]kind{
		"": kindNone, "BLOB": kindNone, "INTEGER": kindInteger, "unsigned big int": kindInteger,
		"VARCHAR(255)": kindText, "NVARCHAR": kindText, "CLOB": kindText, "REAL": kindReal,
		"DOUBLE": kindReal, "FLOAT": kindReal, "NUMERIC": kindNumeric, "DECIMAL(10,5)": kindNumeric,
		"BOOLEAN": kindBool, "bool": kindBool, "DATE": kindDate, "DATETIME": kindTime,
		"TIMESTAMP": kindTime, "timestamp with time zone": kindTime, "DATETIME(6)": kindTime,
		"DECIMAL_TEXT": kindDecimal, "decimal_text(38,10)": kindDecimal, "JSON_TEXT": kindJSON,
		"JSON": kindJSON, "TIME": kindNumeric,
	}
	for decl, want := range tests {
		if got := classify(decl); got != want {
			t.Errorf("classify(%q) = %v, want %v", decl, got, want)
		}
	}
}

// Times are stored in a form whose text order is time order, which cursor reads depend on.
func TestTimeTextSortsInTimeOrder(t *testing.T) {
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	times := []time.Time{
		base.Add(-time.Second), base, base.Add(time.Nanosecond), base.Add(50 * time.Millisecond),
		base.Add(123456 * time.Microsecond), base.Add(500 * time.Millisecond), base.Add(time.Second),
	}
	for i := 1; i < len(times); i++ {
		a, b := formatTime(times[i-1], kindTime), formatTime(times[i], kindTime)
		if !(a < b) {
			t.Errorf("%q sorts after %q, but it is earlier", a, b)
		}
		back, ok := parseTime(b)
		if !ok || !back.Equal(times[i]) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", b, back, ok, times[i])
		}
	}
	if got := formatTime(base.Truncate(24*time.Hour), kindDate); got != "2024-05-06" {
		t.Errorf("a midnight in a DATE column is written %q, want the date alone", got)
	}
	if got := formatTime(base, kindDate); got != "2024-05-06 07:08:09" {
		t.Errorf("a time in a DATE column is written %q, want the time kept", got)
	}
}

// Text with a NUL byte inside is kept whole.
func TestTextWithNUL(t *testing.T) {
	c := openConn(t, filepath.Join(t.TempDir(), "nul.db"))
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}
	rec := connector.Record{"id": int64(1), "s": "a\x00b"}
	applyOK(t, c, req, create(req.Key, rec))
	if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "t"}); len(got) != 1 || got[0]["s"] != "a\x00b" {
		t.Errorf("read %q, want %q", got[0]["s"], "a\x00b")
	}
}
