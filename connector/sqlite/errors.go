package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/onewaysync/oneway/connector"
)

// primaryCode returns SQLite's primary result code of err (extended codes are enabled by the driver).
func primaryCode(err error) (int, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff, true
	}
	return 0, false
}

// classifyErr marks lock contention (SQLITE_BUSY, SQLITE_LOCKED) as transient: the same operation may
// succeed once the other connection is done.
func classifyErr(err error) error {
	if code, ok := primaryCode(err); ok && (code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED) {
		return connector.Transient(err)
	}
	return err
}

// recordErr is an error caused by one record's values: a constraint (NOT NULL, CHECK, UNIQUE, a STRICT
// column type, a trigger's RAISE(ABORT)), a value too big or of the wrong type. SQLite backs out only the
// failing statement on such an error, so the batch's transaction goes on without that record.
func recordErr(err error) bool {
	code, ok := primaryCode(err)
	return ok && (code == sqlite3.SQLITE_CONSTRAINT || code == sqlite3.SQLITE_MISMATCH || code == sqlite3.SQLITE_TOOBIG)
}
