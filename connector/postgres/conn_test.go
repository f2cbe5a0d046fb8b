package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onewaysync/oneway/connector"
)

func TestRegister(t *testing.T) {
	r := connector.NewRegistry()
	Register(r)
	c, err := r.Open("postgres", connector.Settings{"dsn": "postgres://u@127.0.0.1:1/db"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*Conn); !ok {
		t.Fatalf("Open returned %T", c)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    connector.Settings
		key  string // the setting the error must be about; "" for success
	}{
		{"ok", connector.Settings{"dsn": "postgres://u@h/db", "schema": "s", "pool_size": int64(2)}, ""},
		{"key=value dsn", connector.Settings{"dsn": "host=h user=u dbname=db"}, ""},
		{"missing dsn", connector.Settings{}, "dsn"},
		{"unknown", connector.Settings{"dsn": "postgres://u@h/db", "sslmode": "x"}, "sslmode"},
		{"pool size", connector.Settings{"dsn": "postgres://u@h/db", "pool_size": int64(0)}, "pool_size"},
		{"pool size type", connector.Settings{"dsn": "postgres://u@h/db", "pool_size": "four"}, "pool_size"},
		{"schema type", connector.Settings{"dsn": "postgres://u@h/db", "schema": int64(1)}, "schema"},
		{"bad dsn", connector.Settings{"dsn": "postgres://u:pw@h:notaport/db"}, "dsn"},
	} {
		c, err := New(tc.s, connector.Env{})
		if tc.key == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else {
				c.Close()
			}
			continue
		}
		var se *connector.SettingError
		if !errors.As(err, &se) || se.Key != tc.key {
			t.Errorf("%s: error %v, want a SettingError about %q", tc.name, err, tc.key)
		}
	}
}

// The DSN and its password never appear in an error: not when it cannot be parsed, not when the server
// cannot be reached (New succeeds: it does not connect), and not in errors of reads and writes.
func TestPasswordNeverInErrors(t *testing.T) {
	const pw = "s3cret-Pa55"
	for _, dsn := range []string{
		"postgres://u:" + pw + "@h:notaport/db",
		"postgres://u:" + pw + "@h/db?sslmode=bogus",
		"host=h port=x password=" + pw,
		"host=h password='" + pw + "' sslmode=nonsense",
		"postgres://u@h/db?password=" + pw + "&port=x",
		"postgres://u:" + pw + "@[::1/db",
	} {
		_, err := New(connector.Settings{"dsn": dsn}, connector.Env{})
		if err == nil {
			t.Errorf("New accepted the invalid DSN %q", dsn)
			continue
		}
		if leak := containsAny(err.Error(), pw, dsn); leak != "" {
			t.Errorf("New error for an invalid DSN holds %q: %v", leak, err)
		}
	}
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://oneway:" + pw + "@127.0.0.1:1/test?connect_timeout=2",
		"host=127.0.0.1 port=1 user=oneway password=" + pw + " connect_timeout=2",
		"postgres://oneway:" + pw + "@unreachable.invalid:5432/test?connect_timeout=2",
	} {
		c, err := New(connector.Settings{"dsn": dsn}, connector.Env{})
		if err != nil {
			t.Fatalf("New must not connect, but: %v", err)
		}
		var errs []error
		_, err = c.(*Conn).Read(ctx, connector.ReadRequest{Stream: "t"})
		errs = append(errs, err)
		_, err = c.(*Conn).ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t"}, Cursor: []string{"c"}})
		errs = append(errs, err)
		_, err = c.(*Conn).OpenWriter(ctx, connector.WriteRequest{Stream: "t", Key: []string{"id"}})
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				t.Fatalf("%s: no error from an unreachable server", dsn)
			}
			if leak := containsAny(err.Error(), pw, dsn); leak != "" {
				t.Errorf("error holds %q: %v", leak, err)
			}
			if !connector.IsRetryable(err) && !strings.Contains(dsn, "invalid") {
				t.Errorf("connection refused is not marked transient: %v", err)
			}
		}
		c.Close()
	}
	// A password the server accepts (trust) stays out of errors about the data too.
	d := newTestDB(t)
	dsn := strings.Replace(d.dsn, "postgres@", "postgres:"+pw+"@", 1)
	if dsn == d.dsn {
		t.Skip("ONEWAY_TEST_POSTGRES has no user@ to add a password to")
	}
	c, err := New(connector.Settings{"dsn": dsn, "schema": d.schema}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.(*Conn).Read(ctx, connector.ReadRequest{Stream: "missing"})
	if err == nil || containsAny(err.Error(), pw, dsn) != "" {
		t.Errorf("read of a missing table: %v", err)
	}
}

func TestSecretsRedact(t *testing.T) {
	s := newSecrets("postgres://u:p%40ss-word@h/db?sslpassword=keypass", pgconn.Config{Password: "p@ss-word"})
	msg := s.redact("x p@ss-word y p%40ss-word z keypass postgres://u:p%40ss-word@h/db?sslpassword=keypass")
	if leak := containsAny(msg, "p@ss", "p%40ss", "keypass"); leak != "" {
		t.Errorf("redact left %q in %q", leak, msg)
	}
	err := s.clean(connector.Transient(fmt.Errorf("dial p@ss-word: %w", io.EOF)))
	if strings.Contains(err.Error(), "p@ss-word") || !connector.IsRetryable(err) {
		t.Errorf("clean: %v (retryable %v), want the password masked and the error still retryable", err, connector.IsRetryable(err))
	}
	plain := errors.New("nothing secret")
	if s.clean(plain) != plain {
		t.Error("clean changed an error without secrets")
	}
}

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "57P01"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "53300"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{&pgconn.PgError{Code: "42P01"}, false},
		{&pgconn.PgError{Code: "28P01"}, false},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{context.DeadlineExceeded, true},
		{errClosed, false},
		{errors.New("plain"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	for code, want := range map[string]bool{"23505": true, "22P02": true, "21000": true, "P0001": true, "54000": true, "42703": false, "40001": false} {
		if got := recordFault(&pgconn.PgError{Code: code}); got != want {
			t.Errorf("recordFault(%s) = %v, want %v", code, got, want)
		}
	}
}

// A serialization failure or deadlock from the server reaches the caller as a transient batch error.
func TestApplyTransientError(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (id bigint PRIMARY KEY, v text)`,
		`CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$`,
		`CREATE TRIGGER fail BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION fail()`)
	c := d.open(t, nil)
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.Apply(context.Background(), []connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: connector.Record{"id": int64(1), "v": "x"}}})
	if err == nil || !connector.IsRetryable(err) || !strings.Contains(err.Error(), "simulated") {
		t.Errorf("Apply: %v, want a transient error saying why", err)
	}
	// The writer still works once the cause is gone.
	d.exec(t, "DROP TRIGGER fail ON t")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := w.Apply(ctx, []connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: connector.Record{"id": int64(1), "v": "x"}}})
	if err != nil || res[0].Err != nil {
		t.Errorf("Apply after the failure: %v %v", err, res)
	}
}
