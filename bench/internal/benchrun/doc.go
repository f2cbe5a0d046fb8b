// Package benchrun is the harness shared by the database bench programs (bench/pgbench,
// bench/mysqlbench): it builds the oneway CLI, times its runs and a baseline pipeline as child processes,
// checks every run's counts and the target's contents, and prints each ratio against its goal.
package benchrun
