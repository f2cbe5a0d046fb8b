// Package metrics exposes what `oneway serve` does as Prometheus metrics: records read and written per
// sync, target and action, failures, run durations, the last successful run and the lag since then.
// It is fed from engine reports after each run; it holds its own registry (no global state).
package metrics
