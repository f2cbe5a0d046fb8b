package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/bench/internal/benchrun"
)

// columns is the table of issue 3 (bigint id, int, text(32), numeric(12,2), timestamptz, bool, a 200-byte
// text) plus updated_at, the cursor column. Source and targets share it.
const columns = `(
	id         bigint PRIMARY KEY,
	qty        integer NOT NULL,
	name       varchar(32) NOT NULL,
	price      numeric(12,2) NOT NULL,
	ts         timestamptz NOT NULL,
	active     boolean NOT NULL,
	note       text NOT NULL,
	updated_at timestamptz NOT NULL
)`

const columnList = "id, qty, name, price, ts, active, note, updated_at"

// databases are the two bench databases on one server, created for one run and dropped after it. It
// implements benchrun.Databases.
type databases struct {
	admin            *pgx.Conn // on the -dsn database
	src, dst         *pgx.Conn
	srcName, dstName string
	srcURL, dstURL   string
	baseURL          *url.URL
}

func createDatabases(ctx context.Context, dsn string) (*databases, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("-dsn must be a postgres:// URL")
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %w", err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	d := &databases{admin: admin, baseURL: u, srcName: "oneway_bench_src_" + suffix, dstName: "oneway_bench_dst_" + suffix}
	d.srcURL, d.dstURL = d.url(d.srcName), d.url(d.dstName)
	for _, name := range []string{d.srcName, d.dstName} {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			d.drop(ctx)
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
	}
	if d.src, err = pgx.Connect(ctx, d.srcURL); err != nil {
		d.drop(ctx)
		return nil, err
	}
	if d.dst, err = pgx.Connect(ctx, d.dstURL); err != nil {
		d.drop(ctx)
		return nil, err
	}
	return d, nil
}

func (d *databases) url(db string) string {
	u := *d.baseURL
	u.Path = "/" + db
	return u.String()
}

// drop closes the connections and drops both databases.
func (d *databases) drop(ctx context.Context) {
	for _, c := range []*pgx.Conn{d.src, d.dst} {
		if c != nil {
			_ = c.Close(ctx)
		}
	}
	for _, name := range []string{d.srcName, d.dstName} {
		if _, err := d.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			fmt.Printf("warning: drop database %s: %v\n", name, err)
		}
	}
	_ = d.admin.Close(ctx)
}

func (d *databases) Kind() string                  { return "postgres" }
func (d *databases) DSNs() (source, target string) { return d.srcURL, d.dstURL }

func (d *databases) conn(side benchrun.Side) *pgx.Conn {
	if side == benchrun.Source {
		return d.src
	}
	return d.dst
}

func execAll(ctx context.Context, c *pgx.Conn, stmts ...string) error {
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (d *databases) Describe(ctx context.Context) ([]string, error) {
	var version string
	if err := d.admin.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return nil, err
	}
	line := "server: " + version + " ("
	for i, s := range []string{"shared_buffers", "synchronous_commit", "max_wal_size", "checkpoint_timeout"} {
		var v string
		if err := d.admin.QueryRow(ctx, "SELECT current_setting($1)", s).Scan(&v); err != nil {
			return nil, err
		}
		if i > 0 {
			line += ", "
		}
		line += s + "=" + v
	}
	return []string{line + ")"}, nil
}

// Generate fills a new source table. VACUUM leaves it settled (hint bits, visibility map) before
// anything reads it, so neither the baseline nor oneway pays for the first read's page writes.
func (d *databases) Generate(ctx context.Context, table string, n int) error {
	t := pgx.Identifier{table}.Sanitize()
	return execAll(ctx, d.src,
		"CREATE TABLE "+t+" "+columns,
		fmt.Sprintf(`INSERT INTO %s (%s)
			SELECT i, i %% 1000, 'name-' || i, (i %% 1000000) / 100.0,
				timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', i %% 2 = 0,
				rpad(i::text || ' ', 200, 'abcdefghijklmnopqrstuvwxyz'),
				timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
			FROM generate_series(1, %d) AS i`, t, columnList, n),
		"CREATE INDEX ON "+t+" (updated_at, id)",
		"VACUUM (ANALYZE) "+t,
	)
}

func (d *databases) CreateTarget(ctx context.Context, table string) error {
	return execAll(ctx, d.dst, "CREATE TABLE "+pgx.Identifier{table}.Sanitize()+" "+columns)
}

func (d *databases) Touch(ctx context.Context, table string, rem int) (int, error) {
	tag, err := d.src.Exec(ctx, fmt.Sprintf(`UPDATE %s SET name = left(name, 28) || '-v%d', qty = qty + 1,
		updated_at = clock_timestamp() WHERE id %% 100 = %d`, pgx.Identifier{table}.Sanitize(), rem+2, rem))
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// Fingerprint sums 60 bits of each row's md5: independent of order, and any changed value changes it.
func (d *databases) Fingerprint(ctx context.Context, side benchrun.Side, table string) (benchrun.Fingerprint, error) {
	var f benchrun.Fingerprint
	err := d.conn(side).QueryRow(ctx, fmt.Sprintf(`SELECT count(*),
		coalesce(sum(('x' || left(md5(ROW(%s)::text), 15))::bit(60)::bigint::numeric), 0)::text
		FROM %s`, columnList, pgx.Identifier{table}.Sanitize())).Scan(&f.Rows, &f.Sum)
	return f, err
}

// Baseline is the issue's: two psql processes, \copy out of one database and into the other. A
// password goes to psql through PGPASSWORD, never on its command line.
func (d *databases) Baseline(ctx context.Context) (benchrun.Pipeline, error) {
	if err := execAll(ctx, d.dst, "TRUNCATE items"); err != nil {
		return benchrun.Pipeline{}, err
	}
	var env []string
	if pw, ok := d.baseURL.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}
	return benchrun.Pipeline{
		Name:   `psql \copy | psql \copy`,
		First:  []string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", d.psqlURL(d.srcName), "-c", `\copy (select ` + columnList + ` from items) to stdout`},
		Second: []string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", d.psqlURL(d.dstName), "-c", `\copy items from stdin`},
		Env:    env,
	}, nil
}

// psqlURL is the URL of database db without the password.
func (d *databases) psqlURL(db string) string {
	u := *d.baseURL
	u.Path = "/" + db
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

var _ benchrun.Databases = (*databases)(nil)
