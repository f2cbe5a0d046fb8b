package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/connector"
)

const startCommand = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"

// serverConfig returns the driver config of the test server (ONEWAY_TEST_MYSQL), skipping the test when
// the server cannot be reached (failing it under CI=true).
func serverConfig(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := os.Getenv("ONEWAY_TEST_MYSQL")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/test"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("ONEWAY_TEST_MYSQL is not a valid DSN")
	}
	cfg.Timeout = 3 * time.Second
	dc, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Closed at once: a pool left open would count as a leak in the conformance suite.
	db := sql.OpenDB(dc)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		msg := fmt.Sprintf("MariaDB/MySQL at %s is not reachable (%v); start it with: %s", cfg.Addr, err, startCommand)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return cfg
}

// openDB opens a plain pool (no oneway session settings) that is closed when t ends.
func openDB(t testing.TB, cfg *mysql.Config) *sql.DB {
	t.Helper()
	dc, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(dc)
	t.Cleanup(func() { db.Close() })
	return db
}

// testDB is a database of its own for one test, dropped at its end.
type testDB struct {
	t     testing.TB
	name  string
	cfg   *mysql.Config // ONEWAY_TEST_MYSQL's user on this database
	admin *sql.DB       // plain pool on it, for work behind the connector's back; opened on first use
}

// newTestDB creates the database oneway_test_<random>. It leaves no connection open (the conformance
// suite counts goroutines): the admin pool opens on first use.
func newTestDB(t testing.TB) *testDB {
	t.Helper()
	cfg := serverConfig(t)
	name := "oneway_test_" + randomHex(6)
	withDB(t, cfg, "CREATE DATABASE "+quoteIdent(name)+" CHARACTER SET utf8mb4")
	t.Cleanup(func() { withDB(t, cfg, "DROP DATABASE "+quoteIdent(name)) })
	dbCfg := cfg.Clone()
	dbCfg.DBName = name
	return &testDB{t: t, name: name, cfg: dbCfg}
}

// withDB runs statements on a pool that is closed before it returns.
func withDB(t testing.TB, cfg *mysql.Config, stmts ...string) {
	t.Helper()
	dc, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(dc)
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// db returns the admin pool.
func (d *testDB) db() *sql.DB {
	if d.admin == nil {
		d.admin = openDB(d.t, d.cfg)
	}
	return d.admin
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// dsn returns the DSN of the test database, with changes applied to a copy of its config.
func (d *testDB) dsn(change func(*mysql.Config)) string {
	cfg := d.cfg.Clone()
	if change != nil {
		change(cfg)
	}
	return cfg.FormatDSN()
}

// open opens a connector connection through a registry, as the engine does, closed when t ends.
func (d *testDB) open(t testing.TB, settings connector.Settings) *Conn {
	t.Helper()
	s := connector.Settings{"dsn": d.dsn(nil)}
	for k, v := range settings {
		s[k] = v
	}
	r := connector.NewRegistry()
	Register(r)
	c, err := r.Open(Kind, s, connector.Env{Name: "test"})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn)
}

// exec runs statements behind the connector's back.
func (d *testDB) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.db().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// count returns the number of rows of a table.
func (d *testDB) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := d.db().QueryRow("SELECT COUNT(*) FROM " + quoteIdent(table)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// checksum returns CHECKSUM TABLE of a table.
func (d *testDB) checksum(t testing.TB, table string) int64 {
	t.Helper()
	var name string
	var sum sql.NullInt64
	if err := d.db().QueryRow("CHECKSUM TABLE "+quoteIdent(table)).Scan(&name, &sum); err != nil {
		t.Fatalf("checksum %s: %v", table, err)
	}
	if !sum.Valid {
		t.Fatalf("checksum %s: NULL (table missing?)", table)
	}
	return sum.Int64
}

// readAll reads a whole stream (or from a cursor when req has one) through the connector.
func readAll(t testing.TB, open func() (connector.Reader, error)) []connector.Record {
	t.Helper()
	r, err := open()
	if err != nil {
		t.Fatalf("open read: %v", err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("close read: %v", err)
		}
	}()
	var out []connector.Record
	for {
		batch, err := r.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, batch...)
	}
}

// snapshot reads every row of table through c.
func snapshot(t testing.TB, c *Conn, table string) []connector.Record {
	t.Helper()
	return readAll(t, func() (connector.Reader, error) {
		return c.Read(context.Background(), connector.ReadRequest{Stream: table})
	})
}

// applyAll applies a batch and fails t on a batch-level error.
func applyAll(t testing.TB, w connector.Writer, batch []connector.Change) []connector.Result {
	t.Helper()
	res, err := w.Apply(context.Background(), batch)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(res) != len(batch) {
		t.Fatalf("apply: %d results for %d changes", len(res), len(batch))
	}
	return res
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
