package testservice

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresStart is the command that starts the test PostgreSQL server.
const PostgresStart = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// PostgresDefault is the test server's DSN when ONEWAY_TEST_POSTGRES is not set.
const PostgresDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns the test server's DSN (ONEWAY_TEST_POSTGRES, else PostgresDefault) after checking
// that it answers; otherwise it skips t naming PostgresStart, or fails it under CI=true.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("ONEWAY_TEST_POSTGRES")
	if dsn == "" {
		dsn = PostgresDefault
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		Unreachable(t, "PostgreSQL (ONEWAY_TEST_POSTGRES)", err, PostgresStart)
	}
	_ = conn.Close(ctx)
	return dsn
}

// Unreachable skips t because server did not answer, naming the command that starts it; under CI=true
// it fails t instead.
func Unreachable(t testing.TB, server string, err error, start string) {
	t.Helper()
	msg := server + " is not reachable: " + err.Error() + "; start it with: " + start
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
