package mysql

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/connector"
)

func TestSettings(t *testing.T) {
	cases := []struct {
		name     string
		settings connector.Settings
		key      string // the SettingError's key; "" for success
	}{
		{"minimal", connector.Settings{"dsn": "u:p@tcp(127.0.0.1:1)/db"}, ""},
		{"with bool setting", connector.Settings{"dsn": "u@unix(/tmp/x.sock)/db", "tinyint1_as_bool": false}, ""},
		{"missing dsn", connector.Settings{}, "dsn"},
		{"dsn not a string", connector.Settings{"dsn": 5}, "dsn"},
		{"unknown setting", connector.Settings{"dsn": "u@tcp(h)/db", "host": "x"}, "host"},
		{"bad bool", connector.Settings{"dsn": "u@tcp(h)/db", "tinyint1_as_bool": "yes"}, "tinyint1_as_bool"},
		{"malformed dsn", connector.Settings{"dsn": "u:p@tcp(h/db"}, "dsn"},
		{"unknown network", connector.Settings{"dsn": "u:p@pipe(h)/db"}, "dsn"},
	}
	for _, tc := range cases {
		c, err := newConn(tc.settings, connector.Env{Name: "x"})
		if tc.key == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			// New does no I/O: the address above is unreachable, and nothing was opened.
			if c.(*Conn).db != nil {
				t.Errorf("%s: New opened a pool", tc.name)
			}
			c.Close()
			continue
		}
		var se *connector.SettingError
		if !errors.As(err, &se) || se.Key != tc.key {
			t.Errorf("%s: err = %v, want a SettingError for %q", tc.name, err, tc.key)
		}
	}
}

// The options the type mapping relies on are forced whatever the DSN says.
func TestForcedOptions(t *testing.T) {
	c, err := newConn(connector.Settings{"dsn": "u@tcp(h)/db?parseTime=false&loc=Local&charset=latin1&interpolateParams=false&multiStatements=true&sql_mode=%27%27"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.(*Conn).cfg
	if !cfg.ParseTime || cfg.Loc.String() != "UTC" || !cfg.InterpolateParams || cfg.MultiStatements ||
		cfg.Params["sql_mode"] != sessionSQLMode || cfg.Params["time_zone"] != "'+00:00'" || cfg.Collation != "utf8mb4_general_ci" {
		t.Errorf("options not forced: %+v", cfg)
	}
}

// No error of the connector contains the password: not for a malformed DSN, a wrong password, an
// unreachable server, a missing table or a failed write.
func TestPasswordNeverInErrors(t *testing.T) {
	const secret = "S3cr3t-p4ss/w0rd"
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "S3cr3t") {
			t.Errorf("%s: the error contains the password: %v", what, err)
		}
	}
	for _, dsn := range []string{
		"root:" + secret + "@tcp(127.0.0.1:3306", // unterminated address
		"root:" + secret + "(127.0.0.1)/db",      // no @: the user part lands in the network
		"root:" + secret + "@tcp(127.0.0.1)/%zz", // bad escape in the database name
		"root:" + secret,                         // no slash
		secret + "/",
		"root:" + secret + "@tcp(127.0.0.1)/db?tls=" + secret,
	} {
		_, err := newConn(connector.Settings{"dsn": dsn}, connector.Env{})
		check("New with a malformed DSN", err)
	}

	// A port where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := newConn(connector.Settings{"dsn": "root:" + secret + "@tcp(" + addr + ")/db"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.(*Conn).Read(context.Background(), connector.ReadRequest{Stream: "t"})
	check("Read from an unreachable server", err)
	if !connector.IsRetryable(err) {
		t.Errorf("an unreachable server is not retryable: %v", err)
	}
	_, err = c.(*Conn).OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}})
	check("OpenWriter on an unreachable server", err)

	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
	wrong := d.open(t, connector.Settings{"dsn": d.dsn(func(c *mysql.Config) { c.Passwd = secret })})
	_, err = wrong.Read(context.Background(), connector.ReadRequest{Stream: "t"})
	check("Read with a wrong password", err)

	user := "ow_pw_" + randomHex(4)
	d.exec(t, "CREATE USER "+quoteIdent(user)+"@'%' IDENTIFIED BY '"+secret+"'",
		"GRANT ALL PRIVILEGES ON "+quoteIdent(d.name)+".* TO "+quoteIdent(user)+"@'%'")
	t.Cleanup(func() { d.exec(t, "DROP USER "+quoteIdent(user)+"@'%'") })
	ok := d.open(t, connector.Settings{"dsn": d.dsn(func(c *mysql.Config) { c.User, c.Passwd = user, secret })})
	_, err = ok.Read(context.Background(), connector.ReadRequest{Stream: "missing"})
	check("Read of a missing table", err)
	w, err := ok.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Apply(context.Background(), []connector.Change{{Action: connector.Create, Key: []any{int64(1)}, Record: connector.Record{"id": int64(1), "v": nil}}})
	if err != nil {
		t.Fatal(err)
	}
	check("a rejected record", res[0].Err)
}
