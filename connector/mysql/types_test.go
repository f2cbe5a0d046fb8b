package mysql

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

const typesTable = `CREATE TABLE %s (
	id BIGINT NOT NULL PRIMARY KEY,
	b BOOL NULL,
	ti TINYINT NULL, si SMALLINT NULL, mi MEDIUMINT NULL, i INT NULL, bi BIGINT NULL,
	ui INT UNSIGNED NULL, ubi BIGINT UNSIGNED NULL,
	d DECIMAL(38,10) NULL, f FLOAT NULL, dbl DOUBLE NULL,
	c CHAR(10) NULL, vc VARCHAR(255) NULL, tx TEXT NULL, en ENUM('a','b c') NULL,
	bin BINARY(4) NULL, vb VARBINARY(255) NULL, bl BLOB NULL,
	dt DATE NULL, dtm DATETIME(6) NULL, ts TIMESTAMP(6) NULL, tm TIME(6) NULL, yr YEAR NULL, bt BIT(12) NULL,
	j JSON NULL
)`

// typeRows are inserted with SQL literals; typeRecords are what the connector must read for them.
var typeRows = []string{
	`(1, TRUE, 127, 32767, 8388607, 2147483647, 9223372036854775807, 4294967295, 18446744073709551615,
	  '1234567890123456789012345678.1234567890', 16777217, 0.1,
	  'abc', 'héllo 😀 𝄞 \' " \\ ?', 'line1\nline2\ttab\0nul', 'b c',
	  X'00FF0A27', X'0000FF5C27', X'',
	  '2024-02-29', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000', 2155, b'101010101010',
	  '{"a":[1,2.5,"x",null,true,-9223372036854775808,12345678901234567890,1e400],"b":{"c":"😀"}}')`,
	`(2, FALSE, -128, -32768, -8388608, -2147483648, -9223372036854775808, 0, 0,
	  '-0.0000000001', -3.25, -1.7976931348623157e308,
	  '', '', '', 'a',
	  X'00000000', X'', X'00',
	  '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000001', '-838:59:59.000000', 1901, b'0',
	  '"just a string"')`,
	`(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	`(4, TRUE, 0, 0, 0, 0, 0, 0, 9223372036854775807, '0.0000000000', 1.1, 5e-324, 'x', 'ü', '😀', 'a',
	  X'FFFFFFFF', X'FF', X'FF', '2000-01-01', '2000-01-01 00:00:00.000000', '2000-01-01 12:00:00.500000', '00:00:00.000001', 2000, b'111111111111',
	  '{}')`,
	`(5, FALSE, 1, 1, 1, 1, 1, 1, 9223372036854775808, '99.5000000000', 3.4028234663852886e38, 1e308, 'x', 'y', 'z', 'b c',
	  X'01020304', X'5C', X'27', '2024-01-02', '2024-01-02 03:04:05.000006', '2024-01-02 03:04:05.000000', '12:34:56.789000', 1999, b'1',
	  '[[],[{}],"é"]')`,
}

func utc(y int, mo time.Month, d, h, mi, s, us int) time.Time {
	return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
}

var typeRecords = []connector.Record{
	{
		"id": int64(1), "b": true, "ti": int64(127), "si": int64(32767), "mi": int64(8388607), "i": int64(2147483647),
		"bi": int64(math.MaxInt64), "ui": int64(4294967295), "ubi": json.Number("18446744073709551615"),
		"d": json.Number("1234567890123456789012345678.1234567890"), "f": 16777216.0, "dbl": 0.1,
		"c": "abc", "vc": `héllo 😀 𝄞 ' " \ ?`, "tx": "line1\nline2\ttab\x00nul", "en": "b c",
		"bin": []byte{0, 0xff, 0x0a, 0x27}, "vb": []byte{0, 0, 0xff, 0x5c, 0x27}, "bl": []byte{},
		"dt": utc(2024, 2, 29, 0, 0, 0, 0), "dtm": utc(9999, 12, 31, 23, 59, 59, 999999),
		"ts": utc(2038, 1, 19, 3, 14, 7, 999999), "tm": "838:59:59.000000", "yr": int64(2155), "bt": int64(0xaaa),
		"j": map[string]any{
			"a": []any{int64(1), json.Number("2.5"), "x", nil, true, int64(math.MinInt64), json.Number("12345678901234567890"), json.Number("1e400")},
			"b": map[string]any{"c": "😀"},
		},
	},
	{
		"id": int64(2), "b": false, "ti": int64(-128), "si": int64(-32768), "mi": int64(-8388608), "i": int64(-2147483648),
		"bi": int64(math.MinInt64), "ui": int64(0), "ubi": int64(0),
		"d": json.Number("-0.0000000001"), "f": -3.25, "dbl": -math.MaxFloat64,
		"c": "", "vc": "", "tx": "", "en": "a",
		"bin": []byte{0, 0, 0, 0}, "vb": []byte{}, "bl": []byte{0},
		"dt": utc(1000, 1, 1, 0, 0, 0, 0), "dtm": utc(1000, 1, 1, 0, 0, 0, 0),
		"ts": utc(1970, 1, 1, 0, 0, 1, 1), "tm": "-838:59:59.000000", "yr": int64(1901), "bt": int64(0),
		"j": "just a string",
	},
	{
		"id": int64(3), "b": nil, "ti": nil, "si": nil, "mi": nil, "i": nil, "bi": nil, "ui": nil, "ubi": nil,
		"d": nil, "f": nil, "dbl": nil, "c": nil, "vc": nil, "tx": nil, "en": nil, "bin": nil, "vb": nil, "bl": nil,
		"dt": nil, "dtm": nil, "ts": nil, "tm": nil, "yr": nil, "bt": nil, "j": nil,
	},
	{
		"id": int64(4), "b": true, "ti": int64(0), "si": int64(0), "mi": int64(0), "i": int64(0), "bi": int64(0),
		"ui": int64(0), "ubi": int64(math.MaxInt64), "d": json.Number("0.0000000000"), "f": float64(float32(1.1)), "dbl": 5e-324,
		"c": "x", "vc": "ü", "tx": "😀", "en": "a",
		"bin": []byte{0xff, 0xff, 0xff, 0xff}, "vb": []byte{0xff}, "bl": []byte{0xff},
		"dt": utc(2000, 1, 1, 0, 0, 0, 0), "dtm": utc(2000, 1, 1, 0, 0, 0, 0), "ts": utc(2000, 1, 1, 12, 0, 0, 500000),
		"tm": "00:00:00.000001", "yr": int64(2000), "bt": int64(0xfff), "j": map[string]any{},
	},
	{
		"id": int64(5), "b": false, "ti": int64(1), "si": int64(1), "mi": int64(1), "i": int64(1), "bi": int64(1),
		"ui": int64(1), "ubi": json.Number("9223372036854775808"), "d": json.Number("99.5000000000"),
		"f": float64(math.MaxFloat32), "dbl": 1e308,
		"c": "x", "vc": "y", "tx": "z", "en": "b c",
		"bin": []byte{1, 2, 3, 4}, "vb": []byte{0x5c}, "bl": []byte{0x27},
		"dt": utc(2024, 1, 2, 0, 0, 0, 0), "dtm": utc(2024, 1, 2, 3, 4, 5, 6), "ts": utc(2024, 1, 2, 3, 4, 5, 0),
		"tm": "12:34:56.789000", "yr": int64(1999), "bt": int64(1), "j": []any{[]any{}, []any{map[string]any{}}, "é"},
	},
}

// byID indexes records by their int64 id.
func byID(t *testing.T, recs []connector.Record) map[int64]connector.Record {
	t.Helper()
	out := map[int64]connector.Record{}
	for _, r := range recs {
		out[r["id"].(int64)] = r
	}
	return out
}

// Every supported type reads as its canonical value, and writing those values into a table of the same
// definition stores the same data (value for value, and CHECKSUM TABLE equal).
func TestTypeRoundTrip(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(typesTable, "src"), sprintf(typesTable, "dst"),
		"INSERT INTO src VALUES "+strings.Join(typeRows, ", "))
	c := d.open(t, nil)

	got := snapshot(t, c, "src")
	if diff := cmp.Diff(byID(t, typeRecords), byID(t, got)); diff != "" {
		t.Fatalf("values read (-want +got):\n%s", diff)
	}

	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "dst", Key: []string{"id"}, Fields: got[0].Fields()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var batch []connector.Change
	for _, r := range got {
		batch = append(batch, connector.Change{Action: connector.Create, Key: []any{r["id"]}, Record: r})
	}
	for i, res := range applyAll(t, w, batch) {
		if res.Err != nil {
			t.Errorf("record %v: %v", batch[i].Key, res.Err)
		}
	}
	if diff := cmp.Diff(byID(t, typeRecords), byID(t, snapshot(t, c, "dst"))); diff != "" {
		t.Errorf("values written and read back (-want +got):\n%s", diff)
	}
	if src, dst := d.checksum(t, "src"), d.checksum(t, "dst"); src != dst {
		t.Errorf("CHECKSUM TABLE src = %d, dst = %d: the copy differs from the source", src, dst)
	}
	var differing int
	err = d.db().QueryRow(`SELECT COUNT(*) FROM src s LEFT JOIN dst t ON s.id = t.id AND
		s.b <=> t.b AND s.ti <=> t.ti AND s.si <=> t.si AND s.mi <=> t.mi AND s.i <=> t.i AND s.bi <=> t.bi AND
		s.ui <=> t.ui AND s.ubi <=> t.ubi AND s.d <=> t.d AND s.f <=> t.f AND s.dbl <=> t.dbl AND
		BINARY s.c <=> BINARY t.c AND BINARY s.vc <=> BINARY t.vc AND BINARY s.tx <=> BINARY t.tx AND s.en <=> t.en AND
		s.bin <=> t.bin AND s.vb <=> t.vb AND s.bl <=> t.bl AND s.dt <=> t.dt AND s.dtm <=> t.dtm AND s.ts <=> t.ts AND
		s.tm <=> t.tm AND s.yr <=> t.yr AND s.bt <=> t.bt AND BINARY s.j <=> BINARY t.j
		WHERE t.id IS NULL`).Scan(&differing)
	if err != nil {
		t.Fatal(err)
	}
	if differing != 0 {
		t.Errorf("%d rows of dst differ from src in some column", differing)
	}
}

// Writing values of other Go forms (RFC 3339 strings for times, as connector.DecodeKey returns them; JSON
// documents for JSON and text columns; ints for BOOL) stores what they mean.
func TestWriteConversions(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(typesTable, "dst"))
	c := d.open(t, nil)
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "dst", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rec := connector.Record{
		"id": int64(1), "b": int64(1), "dtm": "2024-05-06T07:08:09.123456Z", "ts": "2024-05-06T09:08:09.5+02:00",
		"dt": "2024-05-06T00:00:00Z", "j": "a JSON string", "tx": map[string]any{"z": int64(1), "a": []any{true}},
		"d": json.Number("12.5"), "dbl": float64(2.5), "ubi": json.Number("18446744073709551615"),
	}
	for _, res := range applyAll(t, w, []connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: rec}}) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	got := snapshot(t, c, "dst")[0]
	want := map[string]any{
		"b": true, "dtm": utc(2024, 5, 6, 7, 8, 9, 123456), "ts": utc(2024, 5, 6, 7, 8, 9, 500000),
		"dt": utc(2024, 5, 6, 0, 0, 0, 0), "j": "a JSON string", "tx": `{"a":[true],"z":1}`,
		"d": json.Number("12.5000000000"), "dbl": 2.5, "ubi": json.Number("18446744073709551615"),
	}
	for k, v := range want {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	var raw string
	if err := d.db().QueryRow("SELECT j FROM dst").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if raw != `"a JSON string"` {
		t.Errorf("JSON column holds %s, want the JSON string \"a JSON string\"", raw)
	}
}

// A TINYINT(1) holding something other than 0 or 1 is not silently read as true; with
// tinyint1_as_bool: false it reads as a number.
func TestTinyint1(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, flag TINYINT(1))", "INSERT INTO t VALUES (1, 1), (2, 5)")
	r, err := d.open(t, nil).Read(context.Background(), connector.ReadRequest{Stream: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Next(context.Background())
	if err == nil || !strings.Contains(err.Error(), "tinyint1_as_bool") || !strings.Contains(err.Error(), "flag") {
		t.Errorf("reading TINYINT(1) = 5 as a bool: err = %v, want an error naming the column and tinyint1_as_bool", err)
	}
	got := snapshot(t, d.open(t, connector.Settings{"tinyint1_as_bool": false}), "t")
	want := map[int64]connector.Record{1: {"id": int64(1), "flag": int64(1)}, 2: {"id": int64(2), "flag": int64(5)}}
	if diff := cmp.Diff(want, byID(t, got)); diff != "" {
		t.Errorf("tinyint1_as_bool: false (-want +got):\n%s", diff)
	}
}

// JSON documents decode by value: whitespace, key order and escapes do not matter; whole numbers beyond
// int64 and fractions keep their exact text. (Written back, a document takes its canonical form.)
func TestJSONDecode(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, j JSON)",
		`INSERT INTO t VALUES (1, '{ "b" : [1.50, 2e3, -0] ,"a":"\\u00e9\\n" }'), (2, 'null'), (3, '123456789012345678901')`)
	got := byID(t, snapshot(t, d.open(t, nil), "t"))
	want := map[int64]connector.Record{
		1: {"id": int64(1), "j": map[string]any{"a": "é\n", "b": []any{json.Number("1.50"), json.Number("2e3"), int64(0)}}},
		2: {"id": int64(2), "j": nil},
		3: {"id": int64(3), "j": json.Number("123456789012345678901")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A zero date ('0000-00-00', allowed outside NO_ZERO_DATE) reads as the zero time.Time and is written
// back as a zero date.
func TestZeroDate(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE src (id INT PRIMARY KEY, dt DATETIME NOT NULL, d DATE NOT NULL)", "CREATE TABLE dst LIKE src")
	if _, err := d.db().Exec("INSERT INTO src VALUES (1, '0000-00-00 00:00:00', '0000-00-00')"); err != nil {
		t.Skipf("the server refuses zero dates: %v", err)
	}
	c := d.open(t, nil)
	got := snapshot(t, c, "src")
	want := []connector.Record{{"id": int64(1), "dt": time.Time{}, "d": time.Time{}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "dst", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, res := range applyAll(t, w, []connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: got[0]}}) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if a, b := d.checksum(t, "src"), d.checksum(t, "dst"); a != b {
		t.Errorf("checksums differ: %d, %d", a, b)
	}
}
