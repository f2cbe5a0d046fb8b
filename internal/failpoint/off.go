//go:build !failpoints

package failpoint

// Hit marks a named point; without the failpoints build tag it does nothing.
func Hit(string) {}

// Enabled reports whether failpoints are compiled in.
const Enabled = false
