package dbtest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestMariaDBSourceNeverWritten gives the syncs' user every right on the database that holds the
// source (GRANT ALL) and runs every target mode with both detect modes from it, source and targets on
// one connection; the source's row count, CHECKSUM TABLE and audit triggers show no write.
func TestMariaDBSourceNeverWritten(t *testing.T) {
	maria := newMaria(t)
	s := &mariaSource{maria: maria, db: maria.database(t), user: uniqueName("oneway_dbtest")}
	maria.exec(t, "CREATE USER '"+s.user+"'@'%'")
	t.Cleanup(func() {
		if _, err := maria.admin.Exec("DROP USER '" + s.user + "'@'%'"); err != nil {
			t.Errorf("drop user: %v", err)
		}
	})
	p := s.db + ".people"
	maria.exec(t,
		"CREATE TABLE "+p+" (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, score DECIMAL(10,2), active BOOL NOT NULL DEFAULT 1, updated_at DATETIME(6) NOT NULL, INDEX (updated_at, id)) ENGINE=InnoDB",
		"INSERT INTO "+p+" WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) SELECT i, CONCAT('person ', i), i * 1.25, i % 3 > 0, TIMESTAMP '2025-01-01 00:00:00' + INTERVAL i MINUTE FROM n",
		// Every row the syncs' user inserts, updates or deletes in the source leaves a line here.
		"CREATE TABLE "+s.db+".source_writes (who VARCHAR(300) NOT NULL, op VARCHAR(10) NOT NULL)",
	)
	for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
		maria.exec(t, fmt.Sprintf("CREATE TRIGGER %s.people_%s AFTER %s ON %s FOR EACH ROW INSERT INTO %s.source_writes VALUES (USER(), '%s')",
			s.db, strings.ToLower(op), op, p, s.db, op))
	}
	for _, m := range targetModes {
		for _, detect := range []string{"snapshot", "cursor"} {
			table := s.db + ".t_" + m.name + "_" + detect
			if m.name == "append" { // every version is a row of its own
				maria.exec(t, "CREATE TABLE "+table+" (seq BIGINT AUTO_INCREMENT PRIMARY KEY, id BIGINT NOT NULL, name VARCHAR(100), score DECIMAL(10,2), active BOOL, updated_at DATETIME(6), KEY (id)) ENGINE=InnoDB")
			} else {
				maria.exec(t, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, name VARCHAR(100), score DECIMAL(10,2), active BOOL, updated_at DATETIME(6)) ENGINE=InnoDB")
			}
			if m.name == "update" { // mode update only changes rows the target holds
				maria.exec(t, "INSERT INTO "+table+" SELECT id, 'old', 0, 1, updated_at FROM "+p+" WHERE id <= 10")
			}
		}
	}
	maria.exec(t, "GRANT ALL PRIVILEGES ON "+s.db+".* TO '"+s.user+"'@'%'")
	// The user can write the source: an UPDATE that matches no row succeeds (and fires no row trigger).
	asUser, err := mysql.ParseDSN(s.dsn())
	if err != nil {
		t.Fatal(err)
	}
	c, err := mysql.NewConnector(asUser)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("UPDATE people SET name = name WHERE id < 0"); err != nil {
		t.Fatalf("the user must be able to write the source: %v", err)
	}
	checkSourceNeverWritten(t, s)
}

type mariaSource struct {
	maria    *mariaServer
	db, user string
}

func (s *mariaSource) kind() string     { return "mysql" }
func (s *mariaSource) dsn() string      { return s.maria.dsn(s.db, s.user) }
func (s *mariaSource) settings() string { return "" }

func (s *mariaSource) state(t *testing.T) sourceState {
	t.Helper()
	var st sourceState
	var table string
	if err := s.maria.admin.QueryRow("CHECKSUM TABLE "+s.db+".people EXTENDED").Scan(&table, &st.checksum); err != nil {
		t.Fatal(err)
	}
	err := s.maria.admin.QueryRow("SELECT (SELECT COUNT(*) FROM "+s.db+".people), (SELECT COUNT(*) FROM "+s.db+".source_writes WHERE who LIKE ?)",
		s.user+"@%").Scan(&st.rows, &st.writesBySyncs)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *mariaSource) change(t *testing.T, r int) {
	t.Helper()
	p := s.db + ".people"
	s.maria.exec(t,
		fmt.Sprintf("UPDATE %s SET name = CONCAT(name, ' r%d'), score = score + 1, updated_at = UTC_TIMESTAMP(6) WHERE id %% 10 = %d", p, r, r),
		fmt.Sprintf("DELETE FROM %s WHERE id = %d", p, 40-r),
		fmt.Sprintf("INSERT INTO %s VALUES (%d, 'new in round %d', 1.5, 1, UTC_TIMESTAMP(6))", p, 100+r, r))
}
