package mysql

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/connector"
)

// Kind is the name of this connection kind in the configuration.
const Kind = "mysql"

// sessionSQLMode is set on every connection. Strict mode turns bad values into errors instead of silent
// truncation (a copy must be exact or fail); NO_AUTO_VALUE_ON_ZERO copies an AUTO_INCREMENT value 0 as 0
// (as mysqldump does); ERROR_FOR_DIVISION_BY_ZERO is what the writer's key guard relies on.
const sessionSQLMode = "'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'"

// defaultDialTimeout bounds connecting when the DSN sets no timeout, so an unreachable server fails fast.
const defaultDialTimeout = 10 * time.Second

// Register adds the mysql kind (MariaDB and MySQL) to r.
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: Kind, New: newConn})
}

// newConn parses the settings; it does no I/O.
func newConn(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("dsn", "tinyint1_as_bool"); err != nil {
		return nil, err
	}
	dsn, err := s.RequiredString("dsn")
	if err != nil {
		return nil, err
	}
	boolTinyint, err := s.Bool("tinyint1_as_bool", true)
	if err != nil {
		return nil, err
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("connection", env.Name)
	cfg, err := driverConfig(dsn, logger)
	if err != nil {
		return nil, err
	}
	return &Conn{name: env.Name, cfg: cfg, boolTinyint: boolTinyint, log: logger}, nil
}

// driverConfig parses dsn and forces the options the connector's type mapping and integrity rely on.
// Errors never contain the DSN or any part of it: a malformed DSN could put the password anywhere.
func driverConfig(dsn string, logger *slog.Logger) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		reason := "check its form"
		// The driver's fixed messages name no part of the DSN; others may quote it.
		if msg := err.Error(); strings.HasPrefix(msg, "invalid DSN:") {
			reason = msg
		}
		return nil, &connector.SettingError{Key: "dsn", Err: fmt.Errorf(
			"is not a valid DSN of the form user:password@tcp(host:port)/database?param=value (%s)", reason)}
	}
	switch cfg.Net {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		// A DSN without '@' puts the user part (and a password) here, so the value is not echoed.
		return nil, &connector.SettingError{Key: "dsn", Err: errors.New(
			"names an unknown network: use user:password@tcp(host:port)/database or user:password@unix(/path/to/socket)/database")}
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	cfg.MultiStatements = false
	cfg.ColumnsWithAlias = false
	cfg.AllowAllFiles = false
	// UPDATE then reports the rows it matched, not those it changed: how the writer tells an absent
	// record (connector.ErrNotFound) from one that already had the values.
	cfg.ClientFoundRows = true
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultDialTimeout
	}
	cfg.Logger = driverLogger{logger}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = sessionSQLMode
	cfg.Params["time_zone"] = "'+00:00'"
	if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_general_ci"), mysql.TimeTruncate(time.Microsecond)); err != nil {
		return nil, &connector.SettingError{Key: "dsn", Err: err}
	}
	// NewConnector checks the rest (TLS and server key names) without connecting.
	if _, err := mysql.NewConnector(cfg); err != nil {
		return nil, &connector.SettingError{Key: "dsn", Err: errors.New(
			"is not usable: check its tls and serverPubKey parameters")}
	}
	return cfg, nil
}

// driverLogger routes the driver's rare diagnostics (e.g. a broken connection) to the connection's logger
// instead of the driver's default, stderr.
type driverLogger struct{ l *slog.Logger }

func (d driverLogger) Print(v ...any) { d.l.Warn("mysql driver: " + fmt.Sprint(v...)) }
