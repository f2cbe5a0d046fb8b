package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onewaysync/oneway/connector"
)

// classify prepares an error for the caller: secrets masked, transient causes wrapped with
// connector.Transient, and the server's detail kept in the text. A context that is done is reported as is:
// the caller stopped, there is nothing to retry.
func (c *Conn) classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return c.secrets.clean(err)
	}
	err = withDetail(err)
	if transient(err) {
		err = connector.Transient(err)
	}
	return c.secrets.clean(err)
}

// transientCodes are SQLSTATEs after which the same statement may succeed: serialization failures and
// deadlocks, lock and statement timeouts, the server shutting down or refusing connections for now.
var transientCodes = map[string]bool{
	"40001": true, // serialization_failure
	"40P01": true, // deadlock_detected
	"55P03": true, // lock_not_available (lock_timeout)
	"57014": true, // query_canceled (statement_timeout)
	"57P01": true, // admin_shutdown
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now
	"53300": true, // too_many_connections
	"53400": true, // configuration_limit_exceeded
}

// transient reports whether err is worth retrying later: a transient SQLSTATE, any connection exception
// (class 08) or insufficient resources (class 53), and every network-level failure (timeouts, resets,
// refused connections, a connection the driver closed). Authentication and configuration errors are not.
func transient(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return transientCodes[pg.Code] || strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "53")
	}
	if errors.Is(err, errClosed) {
		return false
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &netErr) || errors.As(err, &connectErr) ||
		errors.Is(err, context.DeadlineExceeded)
}

// recordFault reports whether err was caused by the values of the rows in the statement (a constraint, a
// value of the wrong form or too large, a trigger's RAISE, a key twice in one upsert), so that writing the
// rows one by one isolates the culprits. Other errors concern the whole batch.
func recordFault(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code[:2] {
	case "21", "22", "23", "54":
		return true
	}
	return pg.Code == "P0001"
}

// dbError is a server error whose text adds the server's detail and hint (which row, which constraint) to
// pgx's terse "ERROR: message (SQLSTATE x)".
type dbError struct{ pg *pgconn.PgError }

func (e *dbError) Error() string {
	var b strings.Builder
	b.WriteString(e.pg.Message)
	if e.pg.Detail != "" {
		b.WriteString(": " + e.pg.Detail)
	}
	if e.pg.Hint != "" {
		b.WriteString(" (hint: " + e.pg.Hint + ")")
	}
	fmt.Fprintf(&b, " (SQLSTATE %s)", e.pg.Code)
	return b.String()
}

func (e *dbError) Unwrap() error { return e.pg }

// withDetail wraps a bare server error, as pgx returns it, in a dbError; other errors are returned as they
// are. Call it on errors straight from pgx, before wrapping them with context.
func withDetail(err error) error {
	if pg, ok := err.(*pgconn.PgError); ok {
		return &dbError{pg: pg}
	}
	return err
}
