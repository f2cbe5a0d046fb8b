package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/builtin"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/testservice"
)

const (
	pgStart    = testservice.PostgresStart
	mysqlStart = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"
)

// unreachable skips the test, or fails it under CI=true, saying how to start the server.
func unreachable(t *testing.T, server string, err error, start string) {
	t.Helper()
	testservice.Unreachable(t, server, err, start)
}

// uniqueName is prefix_<random hex>, a name no other test or run uses.
func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// pgServer is the PostgreSQL test server (ONEWAY_TEST_POSTGRES) with an admin connection.
type pgServer struct {
	url   *url.URL
	admin *pgx.Conn
}

func newPG(t *testing.T) *pgServer {
	t.Helper()
	dsn := os.Getenv("ONEWAY_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatal("ONEWAY_TEST_POSTGRES must be a postgres:// URL for these tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		unreachable(t, "PostgreSQL (ONEWAY_TEST_POSTGRES)", err, pgStart)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &pgServer{url: u, admin: conn}
}

func (s *pgServer) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.admin.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// schema creates a schema of a unique name, dropped with everything in it when the test ends.
func (s *pgServer) schema(t *testing.T) string {
	t.Helper()
	name := uniqueName("oneway_dbtest")
	s.exec(t, "CREATE SCHEMA "+name)
	t.Cleanup(func() {
		if _, err := s.admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// dsnAs is the server's DSN with another user (no password: the test server trusts local users).
func (s *pgServer) dsnAs(user string) string {
	u := *s.url
	u.User = url.User(user)
	return u.String()
}

// mariaServer is the MariaDB test server (ONEWAY_TEST_MYSQL) with an admin pool.
type mariaServer struct {
	cfg   *mysql.Config
	admin *sql.DB
}

func newMaria(t *testing.T) *mariaServer {
	t.Helper()
	dsn := os.Getenv("ONEWAY_TEST_MYSQL")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/test"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal("ONEWAY_TEST_MYSQL is not a valid DSN")
	}
	cfg.Timeout = 5 * time.Second
	cfg.ParseTime = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		unreachable(t, "MariaDB (ONEWAY_TEST_MYSQL)", err, mysqlStart)
	}
	return &mariaServer{cfg: cfg, admin: db}
}

func (s *mariaServer) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// database creates a database of a unique name, dropped when the test ends.
func (s *mariaServer) database(t *testing.T) string {
	t.Helper()
	name := uniqueName("oneway_dbtest")
	s.exec(t, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
	t.Cleanup(func() {
		if _, err := s.admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name
}

// dsn is the server's DSN on database db, as user (the server's user when empty, without password
// otherwise).
func (s *mariaServer) dsn(db, user string) string {
	cfg := s.cfg.Clone()
	cfg.DBName = db
	if user != "" {
		cfg.User, cfg.Passwd = user, ""
	}
	return cfg.FormatDSN()
}

// writeConfig writes dir/oneway.yaml (the state goes beside it) and returns its path.
func writeConfig(t *testing.T, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "oneway.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runOneway loads the configuration and executes the named syncs (all when none) with the engine, as
// `oneway run` and `oneway plan` do: the same loader, registry, state store and engine call.
func runOneway(t *testing.T, configPath string, opts engine.Options, names ...string) *engine.Report {
	t.Helper()
	ctx := context.Background()
	reg := connector.NewRegistry()
	builtin.Register(reg)
	spec, err := config.Load(configPath, reg)
	if err != nil {
		t.Fatalf("load %s: %v", configPath, err)
	}
	syncs, err := spec.Select(names)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ledger.OpenSQLite(ctx, spec.State, !opts.Apply)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng := &engine.Engine{Registry: reg, Store: st, Redact: spec.Redact}
	rep, err := eng.Execute(ctx, spec, syncs, opts)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	return rep
}

// requireOK fails the test unless every result succeeded without a failed record.
func requireOK(t *testing.T, rep *engine.Report) {
	t.Helper()
	for _, r := range rep.Results {
		want := engine.StatusOK
		if r.Status == engine.StatusPlanned {
			want = engine.StatusPlanned
		}
		if r.Status != want || r.Failed != 0 || r.Error != "" {
			t.Fatalf("%s -> %s: status %s, failed %d, error %q, failures %+v", r.Sync, r.Target, r.Status, r.Failed, r.Error, r.Failures)
		}
	}
}

// counts are the counters of one result that a test checks.
type counts struct{ Create, Update, Delete, Unchanged int }

// requireCounts checks that the report has n results, each ok with exactly the counts of want.
func requireCounts(t *testing.T, rep *engine.Report, n int, want counts) {
	t.Helper()
	requireOK(t, rep)
	if len(rep.Results) != n {
		t.Fatalf("%d results, want %d", len(rep.Results), n)
	}
	for _, r := range rep.Results {
		if got := (counts{r.Create, r.Update, r.Delete, r.Unchanged}); got != want {
			t.Errorf("%s -> %s: counts %+v, want %+v", r.Sync, r.Target, got, want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
