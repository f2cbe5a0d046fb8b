// Package sqlite is the connector for SQLite database files (kind "sqlite", driver modernc.org/sqlite):
// a snapshot and cursor source that reads through a read-only connection inside one read transaction,
// and a target that upserts, updates and deletes by key in one transaction per batch.
package sqlite
