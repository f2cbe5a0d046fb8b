package conformance

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

// stream is the stream every test writes and reads; each test has a fresh store, so one name suffices.
const stream = "conformance_people"

// missingStream is never prepared nor written.
const missingStream = "conformance_missing_stream"

var (
	keyFields    = []string{"id"}
	schemaFields = []string{"active", "id", "name", "note", "score", "seq"}
)

// texts exercise what text columns get wrong: accents (composed and not), scripts beyond Latin-1,
// characters outside the Basic Multilingual Plane (utf8mb4), control characters and quoting characters.
var texts = []string{
	"Ada Lovelace",
	"Zoë Ångström",
	"Ελληνικά and Кириллица",
	"日本語のテキスト",
	"emoji 🎉 and 👩‍💻",
	"e\u0301 is not \u00e9",
	"tab\tand\nnewline\r\n",
	`quotes ' " and , ; \ |`,
	"  spaces around  ",
	"𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
}

// person returns the suite's record for id. The values vary with id so that a mixed-up field or record
// shows; score and active are sometimes NULL, note and seq never are.
func person(id int64) connector.Record {
	r := connector.Record{
		"id":     id,
		"name":   fmt.Sprintf("%s #%d", texts[id%int64(len(texts))], id),
		"score":  float64(id%13) * 1.25,
		"active": id%2 == 0,
		"note":   fmt.Sprintf("note %d", id),
		"seq":    id % 7,
	}
	if id%5 == 3 {
		r["score"] = nil
	}
	if id%4 == 1 {
		r["active"] = nil
	}
	return r
}

// people returns person(from) ... person(to).
func people(from, to int64) []connector.Record {
	out := make([]connector.Record, 0, to-from+1)
	for id := from; id <= to; id++ {
		out = append(out, person(id))
	}
	return out
}

func creates(recs []connector.Record) []connector.Change {
	out := make([]connector.Change, len(recs))
	for i, r := range recs {
		out[i] = connector.Change{Action: connector.Create, Key: []any{r["id"]}, Record: r.Clone()}
	}
	return out
}

func change(a connector.Action, id int64, rec connector.Record) connector.Change {
	return connector.Change{Action: a, Key: []any{id}, Record: rec}
}

// merged returns a copy of r with the fields of patch set.
func merged(r, patch connector.Record) connector.Record {
	out := r.Clone()
	for k, v := range patch {
		out[k] = v
	}
	return out
}

// idOf returns the id of a record read back, which must be an int64 after Options.Normalize.
func idOf(t *testing.T, r connector.Record) int64 {
	t.Helper()
	id, ok := r["id"].(int64)
	if !ok {
		t.Fatalf("record %v: id is %T, want int64 (set Options.Normalize to convert it back)", r, r["id"])
	}
	return id
}

// sortRecords orders records by id (numerically when ids are int64), then by their canonical JSON
// (records written with the same key in Append mode).
func sortRecords(recs []connector.Record) {
	type item struct {
		num   int64
		isNum bool
		id    string
		all   string
		rec   connector.Record
	}
	items := make([]item, len(recs))
	for i, r := range recs {
		it := item{rec: r}
		it.num, it.isNum = r["id"].(int64)
		id, _ := connector.CanonicalJSON(r["id"])
		all, _ := connector.CanonicalJSON(map[string]any(r))
		it.id, it.all = string(id), string(all)
		items[i] = it
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		switch {
		case a.isNum && b.isNum && a.num != b.num:
			return a.num < b.num
		case a.isNum != b.isNum:
			return a.isNum
		case a.id != b.id:
			return a.id < b.id
		}
		return a.all < b.all
	})
	for i, it := range items {
		recs[i] = it.rec
	}
}

// equalRecords reports a difference between the records wanted and those read back, in any order.
func equalRecords(t *testing.T, what string, want, got []connector.Record) {
	t.Helper()
	want, got = append([]connector.Record(nil), want...), append([]connector.Record(nil), got...)
	sortRecords(want)
	sortRecords(got)
	if diff := cmp.Diff(want, got); diff != "" {
		const max = 6000
		if len(diff) > max {
			diff = diff[:max] + "\n... (diff truncated)"
		}
		t.Errorf("%s: %d records read back, %d wanted; difference (-want +got):\n%s", what, len(got), len(want), diff)
	}
}
