// Command mysqlbench measures `oneway run` copying a MariaDB (or MySQL) table from one database to
// another, against the baseline `mysqldump --no-create-info src items | mysql dst` timed in the same
// program, and prints each ratio of issue 3 on its own line with its goal and PASS or MISS:
//
//  1. full copy (cursor sync, first run) / baseline                    <= 1.3
//  2. cursor run with nothing changed / full copy                      <= 0.02
//     cursor run after 1% of the rows were updated / full copy         <= 0.05
//  3. snapshot run after 1% updates / full copy of that snapshot sync  <= 0.5
//  4. peak RSS of a snapshot diff over -rss-rows rows (off unless -rss-rows > 0) <= 150 MB
//
// Beside goal 1 it times the baseline's two commands in two passes (all of the dump into a file, then
// the load): the floor of an engine that reads everything before it writes anything, as oneway does.
//
// Every oneway run's --json counts are checked exactly, and after every write the target table is
// compared with the source (count and a checksum of every row), so a fast wrong answer fails the program.
//
//	go run ./bench/mysqlbench -rows 1000000                     # or: make bench-mysql
//	go run ./bench/mysqlbench -rows 1000000 -rss-rows 10000000  # adds the 10M-row memory phase
//
// It creates two databases (oneway_bench_src_<random>, oneway_bench_dst_<random>) on the server of -dsn
// (a go-sql-driver DSN of a user that may create databases) and drops them at the end. mysqldump and
// mysql must be on PATH; they get the user and password through an option file, never the command line.
package main

import (
	"context"

	"github.com/onewaysync/oneway/bench/internal/benchrun"
)

func main() {
	benchrun.Main("mysqlbench", benchrun.Server{
		DSNUsage: "go-sql-driver DSN of the server; its database is used only to create and drop the bench databases",
		DSNEnv:   []string{"ONEWAY_BENCH_MYSQL", "ONEWAY_TEST_MYSQL"},
		Fallback: "root@tcp(127.0.0.1:3306)/test",
		Open: func(ctx context.Context, dsn string) (benchrun.Databases, func(), error) {
			db, err := createDatabases(ctx, dsn)
			if err != nil {
				return nil, nil, err
			}
			return db, func() { db.drop() }, nil
		},
	})
}
