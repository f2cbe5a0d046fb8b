//go:build failpoints

package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Enabled reports whether failpoints are compiled in.
const Enabled = true

var (
	mu     sync.Mutex
	counts = map[string]int{}
)

// Hit kills the process at the point named by ONEWAY_FAILPOINT, on its n-th hit.
func Hit(name string) {
	spec := os.Getenv("ONEWAY_FAILPOINT")
	want, nth, _ := strings.Cut(spec, ":")
	if want != name {
		return
	}
	n := 1
	if nth != "" {
		n, _ = strconv.Atoi(nth)
	}
	mu.Lock()
	counts[name]++
	hit := counts[name] == n
	mu.Unlock()
	if hit {
		fmt.Fprintf(os.Stderr, "failpoint %s: killing the process\n", name)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}
