// Package expr compiles and evaluates the filter and map expressions of a sync, written in
// github.com/expr-lang/expr. Expressions are compiled once, when the configuration is validated, so a typo
// fails `oneway validate` instead of a run, and they are deterministic: the same record always maps to
// the same output, which is what makes the ledger's hashes meaningful.
package expr
