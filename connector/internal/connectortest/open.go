package connectortest

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// Open opens a connection named "test" with newConn (a connector's New) and settings s, failing t on
// an error, and closes it when the test ends, failing t if Close does.
func Open(t testing.TB, newConn func(connector.Settings, connector.Env) (connector.Conn, error), s connector.Settings) connector.Conn {
	t.Helper()
	c, err := newConn(s, connector.Env{Name: "test"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// OpenWriter opens a writer on tgt, failing t on an error, and closes it when the test ends (a test
// may close it earlier itself).
func OpenWriter(t testing.TB, tgt connector.Target, req connector.WriteRequest) connector.Writer {
	t.Helper()
	w, err := tgt.OpenWriter(t.Context(), req)
	if err != nil {
		t.Fatalf("OpenWriter(%s): %v", req.Stream, err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}
