// Package postgres is the connector for PostgreSQL (kind "postgres", driver github.com/jackc/pgx/v5): a
// snapshot and cursor source that streams each read inside one REPEATABLE READ READ ONLY transaction, and a
// target that upserts batches through COPY into a temporary staging table and one INSERT ... ON CONFLICT.
package postgres
