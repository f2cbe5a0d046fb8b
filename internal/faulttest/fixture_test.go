package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/postgres"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/crashtest"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// envInt reads a size knob, so that a quick local run can lower the sizes.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// The source is read directly; only the target goes through the proxy. connect_timeout bounds a connection
// attempt into a black hole.
const faultConfig = `
connections:
  src: {kind: postgres, dsn: "${env:ONEWAY_FAULT_SOURCE}", schema: %[1]s}
  dst: {kind: postgres, dsn: "${env:ONEWAY_FAULT_TARGET}", schema: %[1]s, pool_size: 2}
syncs:
  - name: faults
    source: {connection: src, stream: source_items, key: [id], batch_size: 1000%[2]s}
    targets:
      - {connection: dst, stream: items, key: [id], create_table: true, batch_size: %[3]d, max_delete_ratio: 1}
`

const batchSize = 500

var scope = ledger.Scope{Sync: "faults", Target: "dst/items"}

// fixture is a PostgreSQL table synced, in process through engine.Execute as `oneway run` does it, into
// another table whose connection goes through a Toxiproxy.
type fixture struct {
	t     *testing.T
	db    *crashtest.Schema
	proxy *proxy
	reg   *connector.Registry
	spec  *config.Spec
	logs  *logBuffer
	rows  int
}

// newFixture creates source_items with rows rows; with cursor, the sync reads it by its version.
func newFixture(t *testing.T, rows int, cursor bool) *fixture {
	t.Helper()
	db := crashtest.NewSchema(t)
	db.CreateItems(t, "source_items", rows)
	p := newProxy(t, upstream(t, db.DSN))
	t.Setenv("ONEWAY_FAULT_SOURCE", db.DSN)
	t.Setenv("ONEWAY_FAULT_TARGET", throughProxy(t, db.DSN, p.addr))
	read := ""
	if cursor {
		read = ", detect: cursor, cursor: [version]"
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "oneway.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(faultConfig, db.Name, read, batchSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := connector.NewRegistry()
	postgres.Register(reg) // the only kind the configuration uses
	spec, err := config.Load(path, reg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, proxy: p, reg: reg, spec: spec, logs: &logBuffer{}, rows: rows}
}

// upstream returns the host:port of the server a DSN names.
func upstream(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(cfg.Host, "/") {
		t.Fatalf("ONEWAY_TEST_POSTGRES names a Unix socket (%s); the fault tests need a TCP address to proxy", cfg.Host)
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// throughProxy returns dsn with the server replaced by the proxy at addr.
func throughProxy(t *testing.T, dsn, addr string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// key=value form: later keys win.
		return dsn + " host=" + host + " port=" + port + " connect_timeout=2"
	}
	u.Host = addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// run runs the sync once, as `oneway run` does, and returns the target's result. progress, if not nil,
// hears of each batch.
func (f *fixture) run(progress engine.Progress) *engine.Result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st, err := ledger.OpenSQLite(ctx, f.spec.State, false)
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	eng := &engine.Engine{
		Registry: f.reg, Store: st, Redact: f.spec.Redact, Progress: progress,
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	rep, err := eng.Execute(ctx, f.spec, f.spec.Syncs, engine.Options{Apply: true, Samples: -1})
	if err != nil {
		f.t.Fatalf("execute: %v", err)
	}
	if len(rep.Results) != 1 {
		f.t.Fatalf("%d results, want 1", len(rep.Results))
	}
	return rep.Results[0]
}

// converge runs the sync until a run has nothing left to do, each run having to succeed, and checks that
// the target is then an exact copy of the source.
func (f *fixture) converge() {
	f.t.Helper()
	for i := 1; ; i++ {
		r := f.run(nil)
		if r.Status != engine.StatusOK || r.Failed > 0 {
			f.t.Fatalf("run %d after the faults were removed: %s, %d failed: %s", i, r.Status, r.Failed, r.Error)
		}
		if r.Create+r.Update+r.Delete == 0 {
			break
		}
		if i == 5 {
			f.t.Fatalf("still changing after %d runs: %+v", i, r)
		}
	}
	if d := f.compare(); !d.Zero() {
		f.t.Fatalf("the target is not an exact copy: %v", d)
	}
}

func (f *fixture) compare() crashtest.Diff {
	return crashtest.Compare(f.db.ItemsDigest(f.t, "source_items"), f.db.ItemsDigest(f.t, "items"))
}

// retries counts the engine's "transient failure, retrying" log lines so far.
func (f *fixture) retries() int { return f.logs.count("transient failure, retrying") }

// logBuffer collects the engine's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines(substr string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

func (b *logBuffer) count(substr string) int { return len(b.lines(substr)) }

// midRun is an engine.Progress that injects a fault from inside a run: once the target acknowledged the
// first batch, it waits delay, calls start, waits hold and calls stop (if not nil), so that the fault
// meets the following batches. wait waits for it to finish.
type midRun struct {
	delay, hold time.Duration
	start, stop func()
	once        sync.Once
	wg          sync.WaitGroup
}

func (m *midRun) Read(string, int) {}

func (m *midRun) Applied(string, string, int, int) {
	m.once.Do(func() {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			time.Sleep(m.delay)
			m.start()
			if m.stop != nil {
				time.Sleep(m.hold)
				m.stop()
			}
		}()
	})
}

func (m *midRun) wait() { m.wg.Wait() }

// ledgerState is what the state says of the target, read as `oneway status` would: read-only.
type ledgerState struct {
	cursor []byte
	live   int
	hashes map[string]string // source key -> hash of the record last acknowledged
	runs   []ledger.Run      // newest first
}

// state reads the ledger of the target for the keys 1..maxKey.
func (f *fixture) state(maxKey int64) ledgerState {
	f.t.Helper()
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, f.spec.State, true)
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	var s ledgerState
	if s.cursor, _, err = st.Position(ctx, scope); err != nil {
		f.t.Fatal(err)
	}
	if s.live, err = st.CountLive(ctx, scope); err != nil {
		f.t.Fatal(err)
	}
	if s.runs, err = st.Runs(ctx, scope, 100); err != nil {
		f.t.Fatal(err)
	}
	session, err := st.Session(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer session.Close()
	keys := make([]string, 0, maxKey)
	for id := int64(1); id <= maxKey; id++ {
		k, err := connector.EncodeKey([]any{id})
		if err != nil {
			f.t.Fatal(err)
		}
		keys = append(keys, k)
	}
	entries, err := session.Lookup(ctx, scope, keys)
	if err != nil {
		f.t.Fatal(err)
	}
	s.hashes = map[string]string{}
	for k, e := range entries {
		if e.Status == ledger.Live {
			s.hashes[k] = e.Hash
		}
	}
	return s
}
