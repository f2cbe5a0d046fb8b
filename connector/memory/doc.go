// Package memory is an in-memory connector for tests of the engine and of the conformance suite: a Store
// of streams that tests seed, inspect and make fail on purpose (rejected records, failed batches, reads
// that break off, commits that fail), with no global state.
package memory
