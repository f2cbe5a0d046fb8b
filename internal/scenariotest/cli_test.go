package scenariotest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The crash tests drive the real oneway binary, built with the failpoints tag, so that a kill is a real
// SIGKILL of a real process between a target's write and the ledger's commit.

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oneway-scenariotest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildOnce = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "oneway")
	build := exec.Command("go", "build", "-tags", "failpoints", "-o", bin, "../../cmd/oneway")
	out, err := build.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build oneway with failpoints: %v\n%s", err, out)
	}
	return bin, nil
})

// failpointBinary builds cmd/oneway with the failpoints tag, once per test binary.
func failpointBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// cli runs the binary on one configuration, written into a folder of its own (the state goes beside it).
// The child process inherits the environment, so the sandbox variables set with t.Setenv reach it.
type cli struct {
	t      *testing.T
	bin    string
	config string
}

func newCLI(t *testing.T, bin, config string) *cli {
	t.Helper()
	path := filepath.Join(t.TempDir(), "oneway.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cli{t: t, bin: bin, config: path}
}

func (c *cli) command(env ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(c.bin, "-c", c.config, "run")
	cmd.Env = append(os.Environ(), env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out
}

// run runs oneway to its end; a failed run fails the test.
func (c *cli) run() {
	c.t.Helper()
	cmd, out := c.command()
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("oneway run: %v\n%s", err, out)
	}
}

// killedAt runs oneway with ONEWAY_FAILPOINT=point and fails the test unless the failpoint killed it.
func (c *cli) killedAt(point string) {
	c.t.Helper()
	cmd, out := c.command("ONEWAY_FAILPOINT=" + point)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		c.t.Fatalf("the failpoint %s did not kill the run: %v\n%s", point, err, out)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		c.t.Fatalf("the failpoint %s did not kill the run: %v\n%s", point, err, out)
	}
}
