// Package engine runs syncs: read the source, filter and map each record, hash it, diff it against the
// ledger into a plan, and, for `run`, apply the plan to each target in batches, moving the ledger only
// after the target acknowledged each batch. Plan and run share one code path, so a preview cannot drift
// from what a run does.
package engine
