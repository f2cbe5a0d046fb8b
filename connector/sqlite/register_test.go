package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
)

func TestRegister(t *testing.T) {
	r := connector.NewRegistry()
	Register(r)
	if _, ok := r.Lookup("sqlite"); !ok {
		t.Fatal(`kind "sqlite" is not registered`)
	}
	dir := t.TempDir()
	conn, err := r.Open("sqlite", connector.Settings{"path": "sub/data.db", "busy_timeout": "250ms"}, connector.Env{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := conn.(*Conn)
	if want := filepath.Join(dir, "sub", "data.db"); c.Path() != want {
		t.Errorf("path = %q, want %q (relative to BaseDir)", c.Path(), want)
	}
	if c.busyTimeout != 250*time.Millisecond {
		t.Errorf("busy_timeout = %v, want 250ms", c.busyTimeout)
	}
	// New must not touch the file system: validate calls it.
	if _, err := os.Stat(filepath.Join(dir, "sub")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New created something: %v", err)
	}
}

func TestSettingErrors(t *testing.T) {
	tests := []struct {
		name     string
		settings connector.Settings
		key      string
	}{
		{"missing path", connector.Settings{}, "path"},
		{"empty path", connector.Settings{"path": ""}, "path"},
		{"path not a string", connector.Settings{"path": int64(3)}, "path"},
		{"unknown key", connector.Settings{"path": "a.db", "dsn": "x"}, "dsn"},
		{"bad duration", connector.Settings{"path": "a.db", "busy_timeout": "soon"}, "busy_timeout"},
		{"negative duration", connector.Settings{"path": "a.db", "busy_timeout": "-1s"}, "busy_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.settings, connector.Env{BaseDir: t.TempDir()})
			var se *connector.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *connector.SettingError", err)
			}
			if se.Key != tt.key {
				t.Errorf("SettingError.Key = %q, want %q (%v)", se.Key, tt.key, err)
			}
		})
	}
}

func TestAbsolutePathIgnoresBaseDir(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "x.db")
	c, err := New(connector.Settings{"path": abs}, connector.Env{BaseDir: "/elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.(*Conn).Path(); got != abs {
		t.Errorf("path = %q, want %q", got, abs)
	}
}

func TestEscapeURIPath(t *testing.T) {
	tests := map[string]string{
		"/tmp/a.db":        "/tmp/a.db",
		"/tmp/what?#.db":   "/tmp/what%3F%23.db",
		"/tmp/100%/a&b=c":  "/tmp/100%25/a%26b%3Dc",
		"/tmp/ünï cödé.db": "/tmp/ünï cödé.db",
	}
	for in, want := range tests {
		if got := escapeURIPath(in); got != want {
			t.Errorf("escapeURIPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A file name with URI metacharacters must reach SQLite as that file, not as a parameter.
func TestPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd?dir#1 %20")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data&mode=rwc.db")
	c := openConn(t, path)
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}
	applyOK(t, c, req, create(req.Key, connector.Record{"id": int64(1)}))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at its path: %v", err)
	}
	if got := readTable(t, c, "t"); len(got) != 1 {
		t.Errorf("read %d records, want 1", len(got))
	}
}
