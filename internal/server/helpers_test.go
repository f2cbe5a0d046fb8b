package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/memory"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/schedule"
)

// fixture is a server over the memory connector and a SQLite state in a temporary directory, built the
// way `oneway serve` builds it.
type fixture struct {
	t     *testing.T
	mem   *memory.Store
	reg   *connector.Registry
	spec  *config.ServeSpec
	store *ledger.SQLite
	srv   *Server
	token string
}

// baseConfig is one sync s from memory stream people to memory stream staff.
const baseConfig = `
connections:
  src: {kind: memory}
  dst: {kind: memory}
syncs:
  - name: s
    source: {connection: src, stream: people, key: [id], batch_size: 10}
    targets:
      - {connection: dst, stream: staff, key: [id], create_table: true, batch_size: 10}
`

type fixtureOpt func(*Options)

func withClock(c schedule.Clock) fixtureOpt { return func(o *Options) { o.Clock = c } }

func newFixture(t *testing.T, yaml string, opts ...fixtureOpt) *fixture {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "oneway.yaml")
	if err := os.WriteFile(path, []byte(strings.TrimLeft(yaml, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, mem: memory.NewStore(), reg: connector.NewRegistry()}
	memory.Register(f.reg, f.mem)
	f.mem.CreateStream("people")
	spec, err := config.LoadServe(path, f.reg)
	if err != nil {
		t.Fatalf("LoadServe: %v", err)
	}
	f.spec = spec
	f.token = spec.Server.APIToken
	ctx := context.Background()
	f.store, err = ledger.OpenSQLite(ctx, spec.State, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	o := Options{Spec: spec, Engine: &engine.Engine{Registry: f.reg, Store: f.store, Logger: testLogger(t), Redact: spec.Redact}}
	for _, opt := range opts {
		opt(&o)
	}
	f.srv, err = New(ctx, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		f.srv.shutdown()
		f.srv.stopBackground()
	})
	return f
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// people seeds n records with ids 1..n.
func (f *fixture) people(n int, suffix string) {
	for i := 1; i <= n; i++ {
		f.mem.Put("people", connector.Record{"id": int64(i), "name": fmt.Sprintf("person %d%s", i, suffix)})
	}
}

// do sends a request to the handler (in process) and returns the response.
func (f *fixture) do(method, target string, body io.Reader, hdr ...string) *http.Response {
	f.t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.Host = "127.0.0.1:8080" // as a browser on this machine sends it
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// decode reads a JSON response with the expected status.
func decode[T any](t *testing.T, resp *http.Response, status int) T {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return v
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runNow runs sync s through the API and waits for the report.
func (f *fixture) runNow(name string) runResponse {
	f.t.Helper()
	return decode[runResponse](f.t, f.do("POST", "/api/syncs/"+name+"/run?wait=true", nil), http.StatusOK)
}

// ledgerRuns counts the runs of a scope in the state.
func (f *fixture) ledgerRuns(sync, target string) []ledger.Run {
	f.t.Helper()
	runs, err := f.store.Runs(context.Background(), ledger.Scope{Sync: sync, Target: target}, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return runs
}

// eventually polls cond until it holds or fails the test after 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serve runs the server on a loopback port until the returned stop is called; stop returns Run's error.
func (f *fixture) serve(ctx context.Context) (url string, stop func() error) {
	f.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			f.t.Fatal("Run did not return after cancel")
			return nil
		}
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
