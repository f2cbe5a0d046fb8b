package sqlite

import (
	"path/filepath"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// defaultBusyTimeout is how long a statement waits for a lock another connection holds before it fails
// with SQLITE_BUSY (reported as a transient error).
const defaultBusyTimeout = 5 * time.Second

// Register adds the kind "sqlite" to r. Settings:
//
//	path          string    the database file; relative paths resolve against Env.BaseDir (required)
//	busy_timeout  duration  how long to wait for another connection's lock (default 5s)
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "sqlite", New: New})
}

// New parses settings and returns a connection. It touches no file: the database is opened on first use.
func New(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("busy_timeout", "path"); err != nil {
		return nil, err
	}
	path, err := s.RequiredString("path")
	if err != nil {
		return nil, err
	}
	busy, err := s.Duration("busy_timeout", defaultBusyTimeout)
	if err != nil {
		return nil, err
	}
	if busy < 0 {
		return nil, &connector.SettingError{Key: "busy_timeout", Err: errNegative}
	}
	if !filepath.IsAbs(path) && env.BaseDir != "" {
		path = filepath.Join(env.BaseDir, path)
	}
	return &Conn{path: filepath.Clean(path), busyTimeout: busy}, nil
}
