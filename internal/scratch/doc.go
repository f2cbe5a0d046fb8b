// Package scratch is a temporary, disk-backed key -> value table for work that must not hold a whole
// data set in memory (verify compares a target with what the source says it should hold). It lives in a
// temporary SQLite file that Close removes.
package scratch
