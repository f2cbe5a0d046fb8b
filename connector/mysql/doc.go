// Package mysql connects oneway to MariaDB and MySQL through github.com/go-sql-driver/mysql: a source that
// reads each stream inside one consistent-snapshot, read-only transaction, and a target that upserts in
// multi-row INSERT ... ON DUPLICATE KEY UPDATE batches, isolating rejected records by bisection.
package mysql
