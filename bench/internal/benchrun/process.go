package benchrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Counts are the fields of one `oneway run --json` result that a phase checks, all of them exactly.
type Counts struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	Read      int `json:"read"`
}

// Measurement is one timed process: wall time from start to exit and, for oneway, its peak RSS and
// the engine's own split of it (read and diff, then apply), from its info log.
type Measurement struct {
	Elapsed time.Duration
	RSSMB   float64 // 0 when not measured
	Rows    int
	Load    string        // /proc/loadavg at the start
	Plan    time.Duration // oneway's "read and diffed" seconds; 0 when not measured
	Apply   time.Duration // oneway's "applied" seconds; 0 when not measured
}

// Oneway runs a oneway binary on one configuration.
type Oneway struct {
	Bin, Config string
	Profile     string   // a directory for one CPU profile per run; empty for none
	Env         []string // added to the environment (the configuration's ${env:...} secrets)
}

// Build builds the CLI into dir; the program must run from the repository root.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "oneway")
	build := exec.Command("go", "build", "-o", bin, "./cmd/oneway")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build oneway (run from the repository root): %w", err)
	}
	return bin, nil
}

// Run times `oneway run --json SYNC`, prints a row, and fails unless the run's status is ok and its
// counts are exactly want.
func (o *Oneway) Run(phase, sync string, want Counts) (Measurement, error) {
	args := []string{"-c", o.Config, "--log-level", "info", "run", "--json"}
	if o.Profile != "" {
		args = append(args, "--cpuprofile", filepath.Join(o.Profile, profileName(phase)))
	}
	args = append(args, sync)
	var out, logs bytes.Buffer
	cmd := exec.Command(o.Bin, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Stdout, cmd.Stderr = &out, &logs
	load := LoadAverage()
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return Measurement{}, fmt.Errorf("%s: oneway run: %w\n%s%s", phase, err, out.String(), logs.String())
	}
	var rep struct {
		Results []struct {
			Counts
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		return Measurement{}, fmt.Errorf("%s: unexpected output of oneway run: %q", phase, out.String())
	}
	if got := rep.Results[0]; got.Counts != want || got.Status != "ok" {
		return Measurement{}, fmt.Errorf("%s: WRONG RESULT: status %s, counts %+v, want %+v", phase, got.Status, got.Counts, want)
	}
	m := Measurement{Elapsed: elapsed, Rows: want.Read, Load: load,
		RSSMB: float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024,
		Plan:  loggedSeconds(logs.String(), `msg="read and diffed"`), Apply: loggedSeconds(logs.String(), "msg=applied")}
	printRow(phase, m)
	return m, nil
}

// loggedSeconds returns the seconds= value of the first log line holding msg (0 when there is none).
func loggedSeconds(logs, msg string) time.Duration {
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		for _, field := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(field, "seconds="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					return time.Duration(f * float64(time.Second))
				}
			}
		}
	}
	return 0
}

func profileName(phase string) string {
	return strings.NewReplacer(" ", "-", "%", "pct", "(", "", ")", "", "/", "-", ",", "").Replace(phase) + ".pprof"
}

// commands returns the baseline's two commands, env added to both environments.
func commands(env []string, first, second []string) (a, b *exec.Cmd) {
	a, b = exec.Command(first[0], first[1:]...), exec.Command(second[0], second[1:]...)
	a.Env, b.Env = append(os.Environ(), env...), append(os.Environ(), env...)
	return a, b
}

// Pipe times two commands joined by a pipe (the first's stdout into the second's stdin), as a shell's
// `a | b`, without a shell, and prints a row.
func Pipe(phase string, rows int, env []string, first, second []string) (Measurement, error) {
	a, b := commands(env, first, second)
	r, w, err := os.Pipe()
	if err != nil {
		return Measurement{}, err
	}
	var aErr, bOut bytes.Buffer
	a.Stdout, a.Stderr = w, &aErr
	b.Stdin, b.Stdout, b.Stderr = r, &bOut, &bOut
	load := LoadAverage()
	start := time.Now()
	if err := a.Start(); err != nil {
		r.Close()
		w.Close()
		return Measurement{}, fmt.Errorf("%s: start %s: %w", phase, first[0], err)
	}
	if err := b.Start(); err != nil {
		r.Close()
		w.Close()
		_ = a.Process.Kill()
		_ = a.Wait()
		return Measurement{}, fmt.Errorf("%s: start %s: %w", phase, second[0], err)
	}
	// The children hold both ends now; closing ours lets EOF and SIGPIPE reach them.
	r.Close()
	w.Close()
	errA, errB := a.Wait(), b.Wait()
	elapsed := time.Since(start)
	if errA != nil || errB != nil {
		return Measurement{}, fmt.Errorf("%s: %s: %v; %s: %v\n%s%s", phase, first[0], errA, second[0], errB, aErr.String(), bOut.String())
	}
	m := Measurement{Elapsed: elapsed, Rows: rows, Load: load}
	printRow(phase, m)
	return m, nil
}

// TwoPass times the same two commands without the pipe: the first writes all of its output to a
// temporary file, then the second reads it. It is the copy of the server tools when nothing is
// written before everything was read, as oneway does (it plans before it writes): the floor of such
// an engine. The row's split column holds the two passes.
func TwoPass(phase string, rows int, env []string, first, second []string) (Measurement, error) {
	f, err := os.CreateTemp("", "oneway-bench-dump-*")
	if err != nil {
		return Measurement{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	a, b := commands(env, first, second)
	var aErr, bOut bytes.Buffer
	a.Stdout, a.Stderr = f, &aErr
	b.Stdout, b.Stderr = &bOut, &bOut
	load := LoadAverage()
	start := time.Now()
	if err := a.Run(); err != nil {
		return Measurement{}, fmt.Errorf("%s: %s: %v\n%s", phase, first[0], err, aErr.String())
	}
	dumped := time.Since(start)
	if _, err := f.Seek(0, 0); err != nil {
		return Measurement{}, err
	}
	b.Stdin = f
	if err := b.Run(); err != nil {
		return Measurement{}, fmt.Errorf("%s: %s: %v\n%s", phase, second[0], err, bOut.String())
	}
	elapsed := time.Since(start)
	m := Measurement{Elapsed: elapsed, Rows: rows, Load: load, Plan: dumped, Apply: elapsed - dumped}
	printRow(phase, m)
	return m, nil
}

func printHeader() {
	fmt.Printf("%-46s %10s %9s %10s %8s %13s  %s\n", "phase", "rows read", "seconds", "rows/s", "peak MB", "plan + apply", "loadavg (1m 5m 15m) at start")
}

func printRow(phase string, m Measurement) {
	rss := "-"
	if m.RSSMB > 0 {
		rss = fmt.Sprintf("%.0f", m.RSSMB)
	}
	rate := "-"
	if m.Rows > 0 {
		rate = fmt.Sprintf("%.0f", float64(m.Rows)/m.Elapsed.Seconds())
	}
	split := "-"
	if m.Plan > 0 || m.Apply > 0 {
		split = fmt.Sprintf("%.2f + %.2f", m.Plan.Seconds(), m.Apply.Seconds())
	}
	fmt.Printf("%-46s %10d %9.2f %10s %8s %13s  %s\n", phase, m.Rows, m.Elapsed.Seconds(), rate, rss, split, m.Load)
}

// LoadAverage returns the 1, 5 and 15 minute load averages: the machine is shared, and figures taken
// under load say so beside them.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// MemTotal returns MemTotal of /proc/meminfo.
func MemTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return "?"
}
