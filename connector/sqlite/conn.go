package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the driver "sqlite"

	"github.com/onewaysync/oneway/connector"
)

// Conn is a connection to one SQLite file. It is a Source, a CursorSource and a Target. Reads and writes
// use separate pools: reads go through connections opened read-only (mode=ro, query_only), so a source
// can never be written and a missing file is never created by a read.
type Conn struct {
	path        string
	busyTimeout time.Duration

	mu     sync.Mutex
	ro, rw *sql.DB
	closed bool
}

var (
	errClosed   = errors.New("sqlite: connection is closed")
	errNegative = errors.New("must not be negative")
)

// Path returns the database file the connection reads and writes.
func (c *Conn) Path() string { return c.path }

// Close closes both pools. Readers and writers still open fail afterwards. Closing twice is harmless.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for _, db := range []*sql.DB{c.ro, c.rw} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	c.ro, c.rw = nil, nil
	return errors.Join(errs...)
}

// readDB returns the read-only pool, opening it on first use. A missing file is an error naming it.
func (c *Conn) readDB() (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	if c.ro != nil {
		return c.ro, nil
	}
	if err := c.mustExist(); err != nil {
		return nil, err
	}
	dsn, err := c.dsn("ro", "query_only(1)")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.path, err)
	}
	c.ro = db
	return db, nil
}

// writeDB returns the read-write pool, opening it on first use. The file is created only when create is
// true; the database is switched to WAL so that readers of the same file never block the writer.
func (c *Conn) writeDB(create bool) (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	if !create {
		if err := c.mustExist(); err != nil {
			return nil, err
		}
	}
	if c.rw != nil {
		return c.rw, nil
	}
	dsn, err := c.dsn("rwc", "journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.path, err)
	}
	c.rw = db
	return db, nil
}

func (c *Conn) mustExist() error {
	st, err := os.Stat(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database file %s does not exist; check the connection's path", c.path)
	case err != nil:
		return fmt.Errorf("open %s: %w", c.path, err)
	case st.IsDir():
		return fmt.Errorf("database path %s is a directory, not an SQLite file", c.path)
	}
	return nil
}

// dsn builds a file: URI for the driver. busy_timeout comes first so that the later pragmas wait for
// locks too.
func (c *Conn) dsn(mode string, pragmas ...string) (string, error) {
	abs, err := filepath.Abs(c.path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", c.path, err)
	}
	var b strings.Builder
	b.WriteString("file:")
	b.WriteString(escapeURIPath(filepath.ToSlash(abs)))
	b.WriteString("?mode=")
	b.WriteString(mode)
	fmt.Fprintf(&b, "&_pragma=busy_timeout(%d)", c.busyTimeout.Milliseconds())
	for _, p := range pragmas {
		b.WriteString("&_pragma=")
		b.WriteString(p)
	}
	return b.String(), nil
}

// escapeURIPath percent-encodes the bytes that would end or alter the path part of an SQLite URI.
func escapeURIPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '%' || ch == '?' || ch == '#' || ch == '&' || ch == '=' || ch < 0x20 || ch == 0x7f:
			fmt.Fprintf(&b, "%%%02X", ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
