package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/connector"
)

// Server error numbers this package treats specially.
const (
	erDupEntry          = 1062
	erDivisionByZero    = 1365
	erLockWaitTimeout   = 1205
	erLockDeadlock      = 1213
	erTooManyConns      = 1040
	erTooManyUserConns  = 1203
	erServerShutdown    = 1053
	erConnKilled        = 1927 // MariaDB: connection was killed
	erNetReadError      = 1158
	erNetReadInterrupt  = 1159
	erNetWriteError     = 1160
	erNetWriteInterrupt = 1161
	erClientInactive    = 4031 // MySQL 8: disconnected by the server for inactivity
	erNoSuchTable       = 1146
	erUnknownTable      = 1109
	erBadField          = 1054
	erReadOnlyTx        = 1792
)

// transientNumbers are server errors after which the same statement may succeed later.
var transientNumbers = map[uint16]bool{
	erLockWaitTimeout: true, erLockDeadlock: true, erTooManyConns: true, erTooManyUserConns: true,
	erServerShutdown: true, erConnKilled: true, erNetReadError: true, erNetReadInterrupt: true,
	erNetWriteError: true, erNetWriteInterrupt: true, erClientInactive: true,
}

// recordNumbers are errors caused by the values of a record (besides SQLSTATE classes 22 and 23):
// a rejected record, not a broken batch.
var recordNumbers = map[uint16]bool{
	1048: true, // column cannot be null
	1264: true, // out of range
	1265: true, // data truncated
	1292: true, // incorrect date/time value
	1364: true, // field has no default value
	1365: true, // division by 0 (the writer's key guard)
	1366: true, // incorrect value for column
	1367: true, // illegal value
	1406: true, // data too long
	1411: true, // incorrect value for function
	1416: true, // cannot get geometry object
	1451: true, // foreign key: a child row references it
	1452: true, // foreign key: the parent row is missing
	1690: true, // value out of range
	3140: true, // MySQL: invalid JSON
	3819: true, // MySQL: check constraint violated
	4025: true, // MariaDB: check constraint failed
}

// isTransient reports whether err is worth retrying later: a lost or refused connection, a deadlock, a
// lock wait timeout, too many connections. A cancelled context is not.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return transientNumbers[me.Number]
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// isRecordError reports whether err was caused by the values of the rows in the statement, so that
// retrying a subset of them can isolate the culprit.
func isRecordError(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	if recordNumbers[me.Number] {
		return true
	}
	class := string(me.SQLState[:2])
	return class == "22" || class == "23"
}

// serverErrNumber returns the server error number of err, or 0.
func serverErrNumber(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// classify marks err as transient when it is.
func classify(err error) error {
	if isTransient(err) {
		return connector.Transient(err)
	}
	return err
}
