package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onewaysync/oneway/connector"
)

// Kind is the value of `kind:` for this connector.
const Kind = "postgres"

const defaultPoolSize = 4

// Register registers the kind "postgres" in r.
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: Kind, New: New})
}

// Conn is a connection to one PostgreSQL database. It is a Source, a CursorSource and a Target. Nothing
// connects before first use. Writers and catalog lookups share a pool of at most pool_size connections (each
// Writer.Apply holds one for the length of the call); each open read has a connection of its own, held
// from Read to the end of the stream or Close, so that closing the Conn never waits for a read someone
// forgot.
type Conn struct {
	name    string
	cfg     *pgxpool.Config
	secrets secrets
	logger  *slog.Logger

	mu      sync.Mutex
	pool    *pgxpool.Pool
	readers map[*reader]struct{}
	closed  bool

	// afterBegin, when set (by tests only), runs on a read's connection right after its transaction began.
	afterBegin func(ctx context.Context, conn *pgx.Conn) error
}

var errClosed = errors.New("postgres: connection is closed")

// New parses the settings (dsn, schema, pool_size) and returns a *Conn. It does not connect: `oneway
// validate` calls it. Errors never contain the DSN or its password.
func New(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("dsn", "schema", "pool_size"); err != nil {
		return nil, err
	}
	dsn, err := s.RequiredString("dsn")
	if err != nil {
		return nil, err
	}
	schema, err := s.String("schema", "")
	if err != nil {
		return nil, err
	}
	size, err := s.Int("pool_size", defaultPoolSize)
	if err != nil {
		return nil, err
	}
	if size < 1 || size > 1000 {
		return nil, &connector.SettingError{Key: "pool_size", Err: fmt.Errorf("must be between 1 and 1000, not %d", size)}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &connector.SettingError{Key: "dsn", Err: parseError(dsn, err)}
	}
	cfg.MaxConns = int32(size)
	cfg.MinConns = 0
	params := cfg.ConnConfig.RuntimeParams
	if schema != "" {
		params["search_path"] = pgx.Identifier{schema}.Sanitize()
	}
	if params["application_name"] == "" {
		params["application_name"] = "oneway"
	}
	// Times without a zone (text from a CSV source written to timestamptz) are read in the session's time
	// zone: UTC, as the mysql connector does, unless the DSN names one, not the server's default.
	zoned := false
	for k := range params {
		zoned = zoned || strings.EqualFold(k, "timezone")
	}
	if !zoned {
		params["timezone"] = "UTC"
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Conn{
		name:    env.Name,
		cfg:     cfg,
		secrets: newSecrets(dsn, cfg.ConnConfig.Config),
		logger:  logger,
	}, nil
}

// acquire returns a pooled connection, creating the pool on first use.
func (c *Conn) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	if c.pool == nil {
		pool, err := pgxpool.NewWithConfig(context.WithoutCancel(ctx), c.cfg)
		if err != nil {
			c.mu.Unlock()
			return nil, c.classify(ctx, fmt.Errorf("open pool: %w", err))
		}
		c.pool = pool
	}
	pool := c.pool
	c.mu.Unlock()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, c.classify(ctx, fmt.Errorf("connect to PostgreSQL: %w", err))
	}
	return conn, nil
}

// connect opens a connection outside the pool, for a read.
func (c *Conn) connect(ctx context.Context) (*pgx.Conn, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	conn, err := pgx.ConnectConfig(ctx, c.cfg.ConnConfig.Copy())
	if err != nil {
		return nil, c.classify(ctx, fmt.Errorf("connect to PostgreSQL: %w", err))
	}
	return conn, nil
}

// track records an open read, so that Close can stop it; it reports false once the Conn is closed.
func (c *Conn) track(r *reader) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	if c.readers == nil {
		c.readers = map[*reader]struct{}{}
	}
	c.readers[r] = struct{}{}
	return true
}

func (c *Conn) untrack(r *reader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.readers, r)
}

// Close closes the pool and stops reads still open: their next call fails and closes their connection.
// Writers still open fail afterwards. Closing twice is harmless.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for r := range c.readers {
		r.cancel()
	}
	if c.pool != nil {
		c.pool.Close()
		c.pool = nil
	}
	return nil
}

var (
	_ connector.Conn         = (*Conn)(nil)
	_ connector.Source       = (*Conn)(nil)
	_ connector.CursorSource = (*Conn)(nil)
	_ connector.Target       = (*Conn)(nil)
)
