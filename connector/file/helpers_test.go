package file

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// open returns a connection of kind with settings s, relative paths resolved against base.
func open(t *testing.T, kind, base string, s connector.Settings) *Conn {
	t.Helper()
	r := connector.NewRegistry()
	Register(r)
	c, err := r.Open(kind, s, connector.Env{BaseDir: base, Name: "test"})
	if err != nil {
		t.Fatalf("open %s %v: %v", kind, s, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*Conn)
}

// decodeAll decodes data with c and returns the records, or the first error.
func decodeAll(c codec, name string, data string) ([]connector.Record, error) {
	dec, err := c.newDecoder(strings.NewReader(data), name, nil)
	if err != nil {
		return nil, err
	}
	var out []connector.Record
	for {
		rec, _, err := dec.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// readAll reads every record of stream through the connection.
func readAll(t *testing.T, c *Conn, stream string, batch int) ([]connector.Record, error) {
	t.Helper()
	ctx := context.Background()
	r, err := c.Read(ctx, connector.ReadRequest{Stream: stream, BatchSize: batch})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []connector.Record
	for {
		recs, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if batch > 0 && len(recs) > batch {
			t.Fatalf("batch of %d records, asked for at most %d", len(recs), batch)
		}
		out = append(out, recs...)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}
