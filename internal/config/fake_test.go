package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// The test kinds: "fake" reads (also by cursor) and writes, "readonly" only reads, "writeonly" only writes.
// fake checks its settings like a real connector and, on dsn "bad...", echoes the value in its error, as a
// careless driver would, so the tests can see that the loader redacts it.

type fakeConn struct{ open *atomic.Int64 }

func (c *fakeConn) Close() error { c.open.Add(-1); return nil }

type fakeRW struct{ fakeConn }

func (*fakeRW) Read(context.Context, connector.ReadRequest) (connector.Reader, error) {
	return nil, connector.ErrUnsupported
}
func (*fakeRW) ReadCursor(context.Context, connector.CursorRequest) (connector.Reader, error) {
	return nil, connector.ErrUnsupported
}
func (*fakeRW) OpenWriter(context.Context, connector.WriteRequest) (connector.Writer, error) {
	return nil, connector.ErrUnsupported
}

type fakeReadOnly struct{ fakeConn }

func (*fakeReadOnly) Read(context.Context, connector.ReadRequest) (connector.Reader, error) {
	return nil, connector.ErrUnsupported
}

type fakeWriteOnly struct{ fakeConn }

func (*fakeWriteOnly) OpenWriter(context.Context, connector.WriteRequest) (connector.Writer, error) {
	return nil, connector.ErrUnsupported
}

var (
	_ connector.CursorSource = (*fakeRW)(nil)
	_ connector.Target       = (*fakeRW)(nil)
	_ connector.Source       = (*fakeReadOnly)(nil)
	_ connector.Target       = (*fakeWriteOnly)(nil)
)

// testRegistry returns a registry of the test kinds and the number of connections left open.
func testRegistry() (*connector.Registry, *atomic.Int64) {
	open := &atomic.Int64{}
	reg := connector.NewRegistry()
	newConn := func(make func(fakeConn) connector.Conn) func(connector.Settings, connector.Env) (connector.Conn, error) {
		return func(s connector.Settings, env connector.Env) (connector.Conn, error) {
			if err := s.Check("path", "dsn", "token", "headers", "retries"); err != nil {
				return nil, err
			}
			if _, err := s.Int("retries", 0); err != nil {
				return nil, err
			}
			dsn, err := s.String("dsn", "")
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(dsn, "bad") {
				return nil, &connector.SettingError{Key: "dsn", Err: fmt.Errorf("cannot parse %q", dsn)}
			}
			if h, ok := s["headers"].(map[string]any); ok && h["fail"] != nil {
				return nil, &connector.SettingError{Key: "headers.fail", Err: fmt.Errorf("header rejected")}
			}
			if dsn == "plain-error" {
				return nil, fmt.Errorf("connector refuses %s", env.Name)
			}
			open.Add(1)
			return make(fakeConn{open: open}), nil
		}
	}
	reg.Register(connector.Kind{Name: "fake", New: newConn(func(c fakeConn) connector.Conn { return &fakeRW{c} })})
	reg.Register(connector.Kind{Name: "readonly", New: newConn(func(c fakeConn) connector.Conn { return &fakeReadOnly{c} })})
	reg.Register(connector.Kind{Name: "writeonly", New: newConn(func(c fakeConn) connector.Conn { return &fakeWriteOnly{c} })})
	return reg, open
}

// writeConfig writes src (with tabs of indentation removed by dedent) as oneway.yaml in a new directory.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "oneway.yaml")
	if err := os.WriteFile(path, []byte(dedent(src)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// dedent removes a leading newline and the common leading tabs of a raw string literal, so the YAML can
// be indented with the test code.
func dedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	prefix := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if prefix < 0 || n < prefix {
			prefix = n
		}
	}
	for i, l := range lines {
		switch {
		case strings.TrimSpace(l) == "":
			lines[i] = ""
		case prefix > 0:
			lines[i] = l[prefix:]
		}
	}
	return strings.Join(lines, "\n")
}

func load(t *testing.T, src string) (*Spec, error) {
	t.Helper()
	reg, open := testRegistry()
	spec, err := Load(writeConfig(t, src), reg)
	if n := open.Load(); n != 0 {
		t.Errorf("Load left %d connections open", n)
	}
	return spec, err
}

func mustLoad(t *testing.T, src string) *Spec {
	t.Helper()
	spec, err := load(t, src)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return spec
}
