// Package crashtest holds the crash-safety harness: it kills real `oneway run` processes with SIGKILL at
// random moments and at named failpoints, resumes, and checks that the target ends an exact copy of the
// source (lost 0, duplicated 0, different 0). See docs/guarantees.md.
//
// Its exported helpers (a fresh PostgreSQL schema per test, an items table and its mutations, per-key
// digests and their comparison) are shared with the fault tests of internal/faulttest.
package crashtest
