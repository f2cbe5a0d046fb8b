// Package failpoint lets crash tests stop the process at named points of a run. It is compiled in only
// with the build tag `failpoints`; in normal builds Hit is an empty function the compiler removes.
//
// With the tag, ONEWAY_FAILPOINT=name[:n] makes the n-th Hit(name) (default the first) kill the
// process with SIGKILL, as a power cut or the OOM killer would: no deferred function runs.
package failpoint
