// Package faulttest puts a Toxiproxy (in process) between oneway and its PostgreSQL target and checks that
// latency, resets in the middle of a batch, a bandwidth cap, timeouts and an unreachable target cost
// retries and time, never records: the target converges to an exact copy and the ledger never moves
// ahead of the target. See docs/guarantees.md.
package faulttest
