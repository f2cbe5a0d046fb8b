package crashtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// The harness drives the real binary, built with the failpoints tag, so a kill is a real SIGKILL of a
// real process: no deferred function, no flush, no goodbye.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oneway-crashtest-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "oneway")
	build := exec.Command("go", "build", "-tags", "failpoints", "-o", binary, "../../cmd/oneway")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(fmt.Sprintf("build oneway: %v", err))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// envInt reads a size knob: CI runs the sizes the issue asks for; a quick local run can lower them.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// seed returns ONEWAY_CRASH_SEED, or a fresh seed, and logs it so that a failure can be replayed.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := uint64(envInt("ONEWAY_CRASH_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("seed %d (rerun with ONEWAY_CRASH_SEED=%d)", s, s)
	return s
}
