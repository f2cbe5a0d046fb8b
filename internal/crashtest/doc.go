// Package crashtest holds the crash-safety harness: it kills real `oneway run` processes with SIGKILL at
// random moments and at named failpoints, resumes, and checks that the target ends an exact copy of the
// source (lost 0, duplicated 0, different 0). See docs/guarantees.md.
package crashtest
