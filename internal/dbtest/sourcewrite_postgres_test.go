package dbtest

import (
	"context"
	"fmt"
	"testing"
)

// TestPostgresSourceNeverWritten gives the syncs' role every right on the source table (the schema's
// owner grants ALL) and runs every target mode with both detect modes from it, source and targets on
// one connection; the source's rows, their physical versions and an audit trigger show no write.
func TestPostgresSourceNeverWritten(t *testing.T) {
	pg := newPG(t)
	s := &pgSource{pg: pg, schema: pg.schema(t), role: uniqueName("oneway_dbtest")}
	pg.exec(t, "CREATE ROLE "+s.role+" LOGIN")
	t.Cleanup(func() {
		// Before the schema is dropped (cleanups run last first): DROP OWNED revokes the grants.
		for _, q := range []string{"DROP OWNED BY " + s.role, "DROP ROLE " + s.role} {
			if _, err := pg.admin.Exec(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	sc := s.schema
	pg.exec(t,
		"CREATE TABLE "+sc+".people (id bigint PRIMARY KEY, name text NOT NULL, score numeric(10,2), active boolean NOT NULL DEFAULT true, updated_at timestamptz NOT NULL)",
		"CREATE INDEX ON "+sc+".people (updated_at, id)",
		"INSERT INTO "+sc+".people SELECT i, 'person ' || i, i * 1.25, i % 3 > 0, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 40) i",
		// Every statement that writes the source, even one that changes no row, leaves a line here.
		"CREATE TABLE "+sc+".source_writes (who text NOT NULL, op text NOT NULL)",
		"CREATE FUNCTION "+sc+".log_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "+sc+".source_writes VALUES (current_user, TG_OP); RETURN NULL; END $$",
		"CREATE TRIGGER people_writes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "+sc+".people FOR EACH STATEMENT EXECUTE FUNCTION "+sc+".log_write()",
	)
	for _, m := range targetModes {
		for _, detect := range []string{"snapshot", "cursor"} {
			table := sc + ".t_" + m.name + "_" + detect
			if m.name == "append" { // every version is a row of its own
				pg.exec(t, "CREATE TABLE "+table+" (seq bigserial PRIMARY KEY, id bigint NOT NULL, name text, score numeric(10,2), active boolean, updated_at timestamptz)")
			} else {
				pg.exec(t, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, name text, score numeric(10,2), active boolean, updated_at timestamptz)")
			}
			if m.name == "update" { // mode update only changes rows the target holds
				pg.exec(t, "INSERT INTO "+table+" SELECT i, 'old', 0, true, now() FROM generate_series(1, 10) i")
			}
		}
	}
	pg.exec(t,
		"GRANT ALL ON SCHEMA "+sc+" TO "+s.role,
		"GRANT ALL ON ALL TABLES IN SCHEMA "+sc+" TO "+s.role,
		"GRANT ALL ON ALL SEQUENCES IN SCHEMA "+sc+" TO "+s.role)
	var may bool
	if err := pg.admin.QueryRow(context.Background(), "SELECT has_table_privilege($1, $2, 'INSERT, UPDATE, DELETE, TRUNCATE')",
		s.role, sc+".people").Scan(&may); err != nil || !may {
		t.Fatalf("the role must be able to write the source: %v, %v", may, err)
	}
	checkSourceNeverWritten(t, s)
}

type pgSource struct {
	pg           *pgServer
	schema, role string
}

func (s *pgSource) kind() string     { return "postgres" }
func (s *pgSource) dsn() string      { return s.pg.dsnAs(s.role) }
func (s *pgSource) settings() string { return ", schema: " + s.schema }

// state includes each row's ctid, xmin and xmax: an UPDATE that sets the same values, a DELETE that was
// rolled back or a row lock would change them, where the contents would not.
func (s *pgSource) state(t *testing.T) sourceState {
	t.Helper()
	var st sourceState
	err := s.pg.admin.QueryRow(context.Background(), fmt.Sprintf(`SELECT
		(SELECT count(*) FROM %[1]s.people),
		(SELECT md5(string_agg(ctid::text || xmin::text || xmax::text || p::text, ',' ORDER BY id)) FROM %[1]s.people p),
		(SELECT count(*) FROM %[1]s.source_writes WHERE who = $1)`, s.schema), s.role).Scan(&st.rows, &st.checksum, &st.writesBySyncs)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *pgSource) change(t *testing.T, r int) {
	t.Helper()
	p := s.schema + ".people"
	s.pg.exec(t,
		fmt.Sprintf("UPDATE %s SET name = name || ' r%d', score = score + 1, updated_at = clock_timestamp() WHERE id %% 10 = %d", p, r, r),
		fmt.Sprintf("DELETE FROM %s WHERE id = %d", p, 40-r),
		fmt.Sprintf("INSERT INTO %s VALUES (%d, 'new in round %d', 1.5, true, clock_timestamp())", p, 100+r, r))
}
