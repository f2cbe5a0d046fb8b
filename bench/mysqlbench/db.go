package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/onewaysync/oneway/bench/internal/benchrun"
)

// columns is the table of issue 3 (bigint id, int, varchar(32), DECIMAL(12,2), DATETIME(6), bool, a
// 200-byte text) plus updated_at, the cursor column. Source and targets share it.
const columns = `(
	id         BIGINT NOT NULL PRIMARY KEY,
	qty        INT NOT NULL,
	name       VARCHAR(32) NOT NULL,
	price      DECIMAL(12,2) NOT NULL,
	ts         DATETIME(6) NOT NULL,
	active     BOOL NOT NULL,
	note       TEXT NOT NULL,
	updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

const columnList = "id, qty, name, price, ts, active, note, updated_at"

// chunk is how many rows one INSERT ... SELECT of Generate adds.
const chunk = 100_000

// databases are the two bench databases on one server, created for one run and dropped after it. It
// implements benchrun.Databases.
type databases struct {
	admin, src, dst  *sql.DB
	srcName, dstName string
	srcDSN, dstDSN   string
	optionFile       string // [client] options for mysqldump and mysql, in a private temporary directory
	tmp              string
}

func createDatabases(ctx context.Context, dsn string) (*databases, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("-dsn is not a valid go-sql-driver DSN")
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	d := &databases{srcName: "oneway_bench_src_" + suffix, dstName: "oneway_bench_dst_" + suffix}
	if d.admin, err = open(cfg); err != nil {
		return nil, err
	}
	if err := d.admin.PingContext(ctx); err != nil {
		d.admin.Close()
		return nil, fmt.Errorf("connect to MariaDB (start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd): %w", err)
	}
	for _, name := range []string{d.srcName, d.dstName} {
		if _, err := d.admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
			d.drop()
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
	}
	for _, side := range []struct {
		name string
		db   **sql.DB
		dsn  *string
	}{{d.srcName, &d.src, &d.srcDSN}, {d.dstName, &d.dst, &d.dstDSN}} {
		c := cfg.Clone()
		c.DBName = side.name
		*side.dsn = c.FormatDSN()
		if *side.db, err = open(c); err != nil {
			d.drop()
			return nil, err
		}
	}
	if err := d.writeOptionFile(cfg); err != nil {
		d.drop()
		return nil, err
	}
	return d, nil
}

func open(cfg *mysql.Config) (*sql.DB, error) {
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// writeOptionFile gives mysqldump and mysql the server and the credentials of the DSN, so that no
// password appears in a command line.
func (d *databases) writeOptionFile(cfg *mysql.Config) error {
	tmp, err := os.MkdirTemp("", "oneway-mysqlbench-")
	if err != nil {
		return err
	}
	d.tmp = tmp
	opts := []string{"[client]", "user=" + cfg.User}
	if cfg.Passwd != "" {
		opts = append(opts, "password="+cfg.Passwd)
	}
	if cfg.Net == "unix" {
		opts = append(opts, "socket="+cfg.Addr)
	} else {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return fmt.Errorf("-dsn address: %w", err)
		}
		opts = append(opts, "protocol=tcp", "host="+host, "port="+port)
	}
	d.optionFile = filepath.Join(tmp, "client.cnf")
	return os.WriteFile(d.optionFile, []byte(strings.Join(opts, "\n")+"\n"), 0o600)
}

// drop closes the pools, drops both databases and removes the option file.
func (d *databases) drop() {
	for _, db := range []*sql.DB{d.src, d.dst} {
		if db != nil {
			db.Close()
		}
	}
	for _, name := range []string{d.srcName, d.dstName} {
		if _, err := d.admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			fmt.Printf("warning: drop database %s: %v\n", name, err)
		}
	}
	d.admin.Close()
	if d.tmp != "" {
		os.RemoveAll(d.tmp)
	}
}

func (d *databases) Kind() string                  { return "mysql" }
func (d *databases) DSNs() (source, target string) { return d.srcDSN, d.dstDSN }

func (d *databases) db(side benchrun.Side) *sql.DB {
	if side == benchrun.Source {
		return d.src
	}
	return d.dst
}

func execAll(ctx context.Context, db *sql.DB, stmts ...string) error {
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (d *databases) Describe(ctx context.Context) ([]string, error) {
	var version string
	if err := d.admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, err
	}
	line := "server: MariaDB/MySQL " + version + " ("
	for i, v := range []string{"innodb_flush_log_at_trx_commit", "innodb_buffer_pool_size", "innodb_log_file_size", "max_allowed_packet", "log_bin"} {
		var val string
		if err := d.admin.QueryRowContext(ctx, "SELECT @@"+v).Scan(&val); err != nil {
			return nil, err
		}
		if i > 0 {
			line += ", "
		}
		line += v + "=" + val
	}
	return []string{line + ")"}, nil
}

// Generate fills a new source table in chunks from a numbers table (portable: no SEQUENCE engine, no
// recursion limit), then refreshes its statistics.
func (d *databases) Generate(ctx context.Context, table string, n int) error {
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS numbers (i INT NOT NULL PRIMARY KEY)",
		"CREATE TABLE " + table + " " + columns,
	}
	if err := execAll(ctx, d.src, stmts...); err != nil {
		return err
	}
	var have int
	if err := d.src.QueryRowContext(ctx, "SELECT COUNT(*) FROM numbers").Scan(&have); err != nil {
		return err
	}
	if have == 0 {
		if err := execAll(ctx, d.src, "INSERT INTO numbers VALUES (1)"); err != nil {
			return err
		}
		for have = 1; have < chunk; have *= 2 {
			if err := execAll(ctx, d.src, "INSERT INTO numbers SELECT i + m.c FROM numbers, (SELECT COUNT(*) AS c FROM numbers) AS m"); err != nil {
				return err
			}
		}
	}
	for off := 0; off < n; off += chunk {
		if err := execAll(ctx, d.src, fmt.Sprintf(`INSERT INTO %s (%s)
			SELECT i + %[3]d, (i + %[3]d) %% 1000, CONCAT('name-', i + %[3]d), ((i + %[3]d) %% 1000000) / 100,
				TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i + %[3]d) SECOND, (i + %[3]d) %% 2 = 0,
				RPAD(CONCAT(i + %[3]d, ' '), 200, 'abcdefghijklmnopqrstuvwxyz'),
				TIMESTAMP '2025-01-01 00:00:00' + INTERVAL (i + %[3]d) SECOND
			FROM numbers WHERE i <= %[4]d`, table, columnList, off, min(chunk, n-off))); err != nil {
			return err
		}
	}
	return execAll(ctx, d.src, "ALTER TABLE "+table+" ADD INDEX (updated_at, id)", "ANALYZE TABLE "+table)
}

func (d *databases) CreateTarget(ctx context.Context, table string) error {
	return execAll(ctx, d.dst, "CREATE TABLE "+table+" "+columns)
}

func (d *databases) Touch(ctx context.Context, table string, rem int) (int, error) {
	res, err := d.src.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET name = CONCAT(LEFT(name, 28), '-v%d'), qty = qty + 1,
		updated_at = UTC_TIMESTAMP(6) WHERE id %% 100 = %d`, table, rem+2, rem))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Fingerprint sums 60 bits of each row's MD5: independent of order, and any changed value changes it.
func (d *databases) Fingerprint(ctx context.Context, side benchrun.Side, table string) (benchrun.Fingerprint, error) {
	var f benchrun.Fingerprint
	err := d.db(side).QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*),
		COALESCE(SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', %s)), 15), 16, 10) AS UNSIGNED)), 0)
		FROM %s`, columnList, table)).Scan(&f.Rows, &f.Sum)
	return f, err
}

// Baseline is the issue's: mysqldump's INSERT statements of the source table piped into mysql.
func (d *databases) Baseline(ctx context.Context) (benchrun.Pipeline, error) {
	if err := execAll(ctx, d.dst, "TRUNCATE TABLE items"); err != nil {
		return benchrun.Pipeline{}, err
	}
	opt := "--defaults-extra-file=" + d.optionFile
	return benchrun.Pipeline{
		Name:   "mysqldump | mysql",
		First:  []string{"mysqldump", opt, "--no-create-info", d.srcName, "items"},
		Second: []string{"mysql", opt, d.dstName},
	}, nil
}

var _ benchrun.Databases = (*databases)(nil)
