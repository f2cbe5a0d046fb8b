package crashtest

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	_ "modernc.org/sqlite"
)

const sqliteConfig = `
connections:
  src: {kind: sqlite, path: ./source.db}
  dst: {kind: sqlite, path: ./target.db}
syncs:
  - name: crash
    source: {connection: src, stream: items, key: [id], batch_size: 2000}
    targets:
      - {connection: dst, stream: items, key: [id], create_table: true, batch_size: 1000, max_delete_ratio: 1}
`

// sqliteFixture syncs a SQLite table into another SQLite file.
type sqliteFixture struct {
	t    *testing.T
	r    *runner
	src  *sql.DB
	rows int
}

func newSQLiteFixture(t *testing.T, rows int) fixture {
	r := newRunner(t, sqliteConfig)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.dir, "source.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, note TEXT);
		INSERT INTO items WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT i, 'item-' || i, i % 97, i / 7.0, printf('%.80c', 'n') FROM n;`, rows)
	if err != nil {
		t.Fatal(err)
	}
	return &sqliteFixture{t: t, r: r, src: db, rows: rows}
}

func (f *sqliteFixture) oneway() *runner { return f.r }

func (f *sqliteFixture) mutate(rng *rand.Rand, n int) {
	f.t.Helper()
	for range n {
		id := rng.IntN(f.rows*2) + 1
		var err error
		switch rng.IntN(3) {
		case 0:
			_, err = f.src.Exec(`UPDATE items SET name = name || '+', qty = qty + 1 WHERE id = ?`, id)
		case 1:
			_, err = f.src.Exec(`DELETE FROM items WHERE id = ?`, id)
		default:
			_, err = f.src.Exec(`INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, 'new')`, id, fmt.Sprintf("new-%d", id), id%5, float64(id)/3)
		}
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *sqliteFixture) compare() Diff {
	f.t.Helper()
	return Compare(sqliteDigest(f.t, filepath.Join(f.r.dir, "source.db")), sqliteDigest(f.t, filepath.Join(f.r.dir, "target.db")))
}

// sqliteDigest hashes each row of a SQLite items table.
func sqliteDigest(t *testing.T, path string) Digest {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, name, qty, price, note FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	d := Digest{}
	for rows.Next() {
		var id, qty int64
		var name, note string
		var price float64
		if err := rows.Scan(&id, &name, &qty, &price, &note); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%v|%s", name, qty, price, note))
		d.Add(strconv.FormatInt(id, 10), hex.EncodeToString(sum[:8]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRandomKills: SQLite -> SQLite, killed at random moments.
func TestRandomKills(t *testing.T) { testRandomKills(t, newSQLiteFixture) }

// TestNamedFailpoints: SQLite -> SQLite, killed at each named failpoint.
func TestNamedFailpoints(t *testing.T) { testNamedFailpoints(t, newSQLiteFixture) }
