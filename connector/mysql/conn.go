package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/connector"
)

// Conn is a MariaDB/MySQL connection: a Source, a CursorSource and a Target. It connects on first use
// and holds a small pool of connections until Close.
type Conn struct {
	name        string
	cfg         *mysql.Config
	boolTinyint bool
	log         *slog.Logger

	mu     sync.Mutex
	db     *sql.DB
	closed bool

	// afterBegin, set only by tests, runs inside every read transaction right after it started.
	afterBegin func(ctx context.Context, conn *sql.Conn) error
}

// pool returns the connection pool, opening it on first use (opening does not dial yet).
func (c *Conn) pool() (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("mysql connection %q is closed", c.name)
	}
	if c.db == nil {
		dc, err := mysql.NewConnector(c.cfg)
		if err != nil {
			return nil, fmt.Errorf("mysql connection %q: %w", c.name, err)
		}
		c.db = sql.OpenDB(dc)
	}
	return c.db, nil
}

// Close closes the pool; open readers and writers must be closed first.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.db == nil {
		return nil
	}
	err := c.db.Close()
	c.db = nil
	return err
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
