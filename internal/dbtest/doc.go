// Package dbtest holds end-to-end tests that run oneway's engine, as the CLI does, against the real
// PostgreSQL and MariaDB servers: a value-for-value round trip through every database kind, and a source
// that could be written but never is. It has no code of its own besides tests.
package dbtest
