package crashtest

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appendConfig syncs source_items into an append target, which cannot upsert: each Create adds a row, so
// a batch sent twice is there twice. %[2]s is the target connection (pg: a table, files: a JSONL file),
// %[3]s the delivery.
const appendConfig = `
connections:
  src: {kind: postgres, dsn: "${env:ONEWAY_CRASH_DSN}", schema: %[1]s}
  pg: {kind: postgres, dsn: "${env:ONEWAY_CRASH_DSN}", schema: %[1]s}
  files: {kind: jsonl, path: ./out}
syncs:
  - name: deliver
    source: {connection: src, stream: source_items, key: [id], batch_size: 2000}
    targets:
      - {connection: %[2]s, stream: events, key: [id], mode: append, delivery: %[3]s, create_table: true, batch_size: %[4]d}
`

const appendBatch = 1000

// appendFixture syncs a PostgreSQL table into an append target. The source is only updated and added to:
// an append target keeps every version of a record, and never removes one.
type appendFixture struct {
	t      *testing.T
	r      *runner
	db     *Schema
	target string // pg or files
}

func newAppendFixture(t *testing.T, rows int, target, delivery string) *appendFixture {
	db := NewSchema(t)
	db.CreateItems(t, "source_items", rows)
	r := newRunner(t, fmt.Sprintf(appendConfig, db.Name, target, delivery, appendBatch), "ONEWAY_CRASH_DSN="+db.DSN)
	if err := os.Mkdir(filepath.Join(r.dir, "out"), 0o700); err != nil {
		t.Fatal(err)
	}
	return &appendFixture{t: t, r: r, db: db, target: target}
}

func (f *appendFixture) oneway() *runner { return f.r }

func (f *appendFixture) mutate(rng *rand.Rand, n int) {
	f.db.MutateItems(f.t, rng, "source_items", n, false)
}

// compare checks that the target holds each record's current version, and each version once. Every change
// of the source takes a new version, so two rows with the same key and hash are a duplicate delivery.
func (f *appendFixture) compare() Diff {
	source := f.db.ItemsDigest(f.t, "source_items")
	if f.target == "pg" {
		return CompareVersions(source, f.db.ItemsDigest(f.t, "events"))
	}
	return CompareVersions(source, jsonlDigest(f.t, filepath.Join(f.r.dir, "out", "events.jsonl")))
}

// jsonlDigest hashes each line of a JSONL copy of an items table as ItemsDigest hashes a row: numbers
// are kept as written, which is how PostgreSQL prints them (shortest round-trip form).
func jsonlDigest(t *testing.T, path string) Digest {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	d := Digest{}
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		var rec struct {
			ID, Qty, Price, Version json.Number
			Name, Note              string
		}
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		sum := md5.Sum([]byte(strings.Join([]string{rec.Name, rec.Qty.String(), rec.Price.String(), rec.Note, rec.Version.String()}, "|")))
		d.Add(rec.ID.String(), hex.EncodeToString(sum[:]))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDeliveryRandomKills kills runs into an append table (the postgres writer in append mode is
// NonIdempotent) at random moments, with each delivery, and reports what each leaves: at-least-once loses
// nothing and may deliver a batch twice; at-most-once never delivers twice and may lose the records of a
// batch whose send a kill left unknown.
func TestDeliveryRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash harness runs the real binary many times")
	}
	t.Parallel() // beside the other random-kill harnesses, see testRandomKills
	rows := envInt("ONEWAY_CRASH_DELIVERY_ROWS", 20_000)
	kills := envInt("ONEWAY_CRASH_DELIVERY_KILLS", 30)
	for _, delivery := range []string{"at-least-once", "at-most-once"} {
		t.Run(delivery, func(t *testing.T) {
			s := seed(t)
			rng := rand.New(rand.NewPCG(s, s))
			f := newAppendFixture(t, rows, "pg", delivery)
			full := newAppendFixture(t, rows, "pg", delivery).oneway().timeRun()
			finished := f.r.killRandomly(rng, full, kills, func() { f.mutate(rng, rng.IntN(rows/100+1)) })
			f.r.run()
			d := f.compare()
			t.Logf("delivery %s: %d rows, %d kills, %d runs finished before their kill: %v", delivery, rows, kills, finished, d)
			if d.Extra != 0 || d.Different != 0 {
				t.Errorf("the target holds records the source never had (seed %d): %v", s, d)
			}
			switch delivery {
			case "at-least-once":
				if d.Lost != 0 {
					t.Errorf("at-least-once lost %d records (seed %d)", d.Lost, s)
				}
			case "at-most-once":
				if d.Duplicated != 0 {
					t.Errorf("at-most-once delivered %d records twice (seed %d)", d.Duplicated, s)
				}
			}
			f.r.runIdle()
		})
	}
}

// TestDeliveryAfterTargetWrite kills the first run after the target took its second batch and before the
// ledger heard of it: at-least-once sends that batch again (a batch of duplicates, nothing lost),
// at-most-once does not (nothing twice, and here nothing lost either, since the batch did arrive).
func TestDeliveryAfterTargetWrite(t *testing.T) {
	rows := envInt("ONEWAY_CRASH_FAILPOINT_ROWS", 20_000)
	for _, tc := range []struct {
		target, delivery string
		duplicated       int
	}{
		{"pg", "at-least-once", appendBatch},
		{"pg", "at-most-once", 0},
		{"files", "at-least-once", appendBatch},
		{"files", "at-most-once", 0},
	} {
		t.Run(tc.target+"/"+tc.delivery, func(t *testing.T) {
			f := newAppendFixture(t, rows, tc.target, tc.delivery)
			f.r.killAt("after-target-write:2")
			f.r.run()
			d := f.compare()
			t.Logf("%s, delivery %s, killed once after a target write: %v", tc.target, tc.delivery, d)
			if d != (Diff{Duplicated: tc.duplicated}) {
				t.Errorf("got %v, want duplicated %d and nothing else", d, tc.duplicated)
			}
			f.r.runIdle()
		})
	}
}
