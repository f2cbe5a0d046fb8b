package mysql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestErrorClasses(t *testing.T) {
	server := func(n uint16, state string) error {
		e := &mysql.MySQLError{Number: n, Message: "x"}
		copy(e.SQLState[:], state)
		return fmt.Errorf("wrapped: %w", e)
	}
	cases := []struct {
		name              string
		err               error
		transient, record bool
	}{
		{"deadlock", server(1213, "40001"), true, false},
		{"lock wait timeout", server(1205, "HY000"), true, false},
		{"too many connections", server(1040, "08004"), true, false},
		{"connection killed", server(1927, "70100"), true, false},
		{"bad conn", driver.ErrBadConn, true, false},
		{"invalid conn", mysql.ErrInvalidConn, true, false},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true, false},
		{"reset", fmt.Errorf("x: %w", syscall.ECONNRESET), true, false},
		{"duplicate", server(1062, "23000"), false, true},
		{"not null", server(1048, "23000"), false, true},
		{"incorrect value", server(1366, "HY000"), false, true},
		{"too long", server(1406, "22001"), false, true},
		{"check", server(4025, "23000"), false, true},
		{"foreign key", server(1452, "23000"), false, true},
		{"guard", server(1365, "22012"), false, true},
		{"no such table", server(1146, "42S02"), false, false},
		{"syntax", server(1064, "42000"), false, false},
		{"denied", server(1142, "42000"), false, false},
		{"canceled", context.Canceled, false, false},
		{"deadline", context.DeadlineExceeded, false, false},
	}
	for _, tc := range cases {
		if got := isTransient(tc.err); got != tc.transient {
			t.Errorf("%s: isTransient = %v", tc.name, got)
		}
		if got := isRecordError(tc.err); got != tc.record {
			t.Errorf("%s: isRecordError = %v", tc.name, got)
		}
	}
}
