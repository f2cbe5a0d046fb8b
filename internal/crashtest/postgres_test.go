package crashtest

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// postgresConfig syncs source_items into items, both in the test's schema. The DSN comes from the
// environment, as a real configuration would take it, so that it is never written to a file.
const postgresConfig = `
connections:
  src: {kind: postgres, dsn: "${env:ONEWAY_CRASH_DSN}", schema: %[1]s}
  dst: {kind: postgres, dsn: "${env:ONEWAY_CRASH_DSN}", schema: %[1]s}
syncs:
  - name: crash
    source: {connection: src, stream: source_items, key: [id], batch_size: 2000}
    targets:
      - {connection: dst, stream: items, key: [id], create_table: true, batch_size: 1000, max_delete_ratio: 1}
`

// postgresFixture syncs a PostgreSQL table into another, created by the first run (create_table), in a
// schema of the test's own.
type postgresFixture struct {
	t  *testing.T
	r  *runner
	db *Schema
}

func newPostgresFixture(t *testing.T, rows int) fixture {
	db := NewSchema(t)
	db.CreateItems(t, "source_items", rows)
	r := newRunner(t, fmt.Sprintf(postgresConfig, db.Name), "ONEWAY_CRASH_DSN="+db.DSN)
	return &postgresFixture{t: t, r: r, db: db}
}

func (f *postgresFixture) oneway() *runner { return f.r }

func (f *postgresFixture) mutate(rng *rand.Rand, n int) {
	f.db.MutateItems(f.t, rng, "source_items", n, true)
}

func (f *postgresFixture) compare() Diff {
	return Compare(f.db.ItemsDigest(f.t, "source_items"), f.db.ItemsDigest(f.t, "items"))
}

// TestPostgresRandomKills: PostgreSQL -> PostgreSQL, killed at random moments.
func TestPostgresRandomKills(t *testing.T) { testRandomKills(t, newPostgresFixture) }

// TestPostgresNamedFailpoints: PostgreSQL -> PostgreSQL, killed at each named failpoint.
func TestPostgresNamedFailpoints(t *testing.T) { testNamedFailpoints(t, newPostgresFixture) }
