package crashtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// runner runs the oneway binary on one configuration.
type runner struct {
	t   *testing.T
	dir string   // holds oneway.yaml and, beside it, the state
	env []string // added to the environment of every run
}

// newRunner writes config as oneway.yaml into a fresh folder.
func newRunner(t *testing.T, config string, env ...string) *runner {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "oneway.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return &runner{t: t, dir: dir, env: env}
}

func (r *runner) command(env ...string) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	cmd = exec.Command(binary, "-c", filepath.Join(r.dir, "oneway.yaml"), "run", "--json")
	cmd.Dir = r.dir
	cmd.Env = append(append(os.Environ(), r.env...), env...)
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stdout, stderr
}

// result is the part of a target's run result (engine.Result, as `run --json` prints it) the harness reads.
type result struct {
	Create, Update, Delete, Unchanged, Failed int
	Status, Error                             string
}

// run runs oneway to its end and returns the target results; a run that fails fails the test.
func (r *runner) run() []result {
	r.t.Helper()
	cmd, stdout, stderr := r.command()
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("run: %v\n%s%s", err, stdout, stderr)
	}
	var rep struct{ Results []result }
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		r.t.Fatalf("run --json printed no report: %v\n%s", err, stdout)
	}
	return rep.Results
}

// runIdle runs oneway once more and fails the test unless the run had nothing to write.
func (r *runner) runIdle() {
	r.t.Helper()
	for _, res := range r.run() {
		if res.Create+res.Update+res.Delete+res.Failed != 0 {
			r.t.Fatalf("a run after convergence still had work: %+v", res)
		}
	}
}

// killAt runs oneway with ONEWAY_FAILPOINT=point and checks that the failpoint killed it.
func (r *runner) killAt(point string) {
	r.t.Helper()
	cmd, stdout, stderr := r.command("ONEWAY_FAILPOINT=" + point)
	err := cmd.Run()
	if !killed(err) {
		r.t.Fatalf("the failpoint %s did not kill the run: %v\n%s%s", point, err, stdout, stderr)
	}
}

func killed(err error) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// timeRun returns how long one run takes.
func (r *runner) timeRun() time.Duration {
	r.t.Helper()
	start := time.Now()
	r.run()
	return time.Since(start)
}

// killRandomly starts runs and sends each a SIGKILL after a random share of full (the time of a complete
// first run), until kills runs were killed. Before a third of the runs it calls change, if not nil, so
// that resumed runs have every kind of work to redo. Runs that end before their kill must succeed.
func (r *runner) killRandomly(rng *rand.Rand, full time.Duration, kills int, change func()) (finished int) {
	r.t.Helper()
	for killedRuns := 0; killedRuns < kills; {
		if change != nil && rng.IntN(3) == 0 {
			change()
		}
		cmd, stdout, stderr := r.command()
		if err := cmd.Start(); err != nil {
			r.t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				r.t.Fatalf("a run failed on its own: %v\n%s%s", err, stdout, stderr)
			}
			finished++
		case <-time.After(time.Duration(rng.Int64N(int64(full)))):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			switch err := <-done; {
			case err == nil:
				finished++ // it ended just before the signal
			case killed(err):
				killedRuns++
			default:
				r.t.Fatalf("a run failed on its own: %v\n%s%s", err, stdout, stderr)
			}
		}
	}
	return finished
}
