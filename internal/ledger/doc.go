// Package ledger is oneway's state: per (sync, target, source key) what was last written and where, per
// (sync, target) the read position, the runs with their counts, and the rejected records.
//
// Entries and positions move only inside Commit, one transaction, after the target acknowledged the
// writes. A Session gives the engine a private scratch area (the set of keys seen in the current read)
// that lives outside the state file, so that `plan` writes nothing to the state.
package ledger
