package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary as the oneway CLI in a child process (ONEWAY_TEST_CLI=1), to
// send it a real SIGTERM.
func TestMain(m *testing.M) {
	if os.Getenv("ONEWAY_TEST_CLI") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestServeRefusesToListenOpenlyWithoutToken(t *testing.T) {
	cfg := quickstart(t)
	o := cli(t, "-c", cfg, "serve", "--listen", "0.0.0.0:0")
	if o.code != exitInvalid || !strings.Contains(o.stderr, "without server.api_token") {
		t.Fatalf("exit %d, stderr %s", o.code, o.stderr)
	}
	withServer := writeServerConfig(t, cfg, "server:\n  listen: 0.0.0.0:8080\n")
	o = cli(t, "-c", withServer, "validate")
	if o.code != exitInvalid || !regexp.MustCompile(`oneway-serve.yaml:2:11: server.listen: 0.0.0.0:8080 is reachable from other machines`).MatchString(o.stderr) {
		t.Fatalf("validate: exit %d, stderr %s", o.code, o.stderr)
	}
	o = cli(t, "-c", withServer, "serve")
	if o.code != exitInvalid {
		t.Fatalf("serve: exit %d, stderr %s", o.code, o.stderr)
	}
}

// writeServerConfig prepends a server section to a copy of the quickstart configuration.
func writeServerConfig(t *testing.T, cfg, server string) string {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimSuffix(cfg, ".yaml") + "-serve.yaml"
	if err := os.WriteFile(path, []byte(server+string(b)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedBuffer is an io.Writer safe for the server's goroutines and the test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

func waitListening(t *testing.T, out func() string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(out()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not start listening:\n%s", out())
	return ""
}

// TestServeAPIAndShutdown runs `oneway serve` in process: the API runs the quickstart sync through the
// same engine as `oneway run`, and cancelling the context (what SIGTERM does in main) exits 0.
func TestServeAPIAndShutdown(t *testing.T) {
	cfg := quickstart(t)
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"-c", cfg, "serve", "--listen", "127.0.0.1:0"}, &stdout, &stderr) }()
	base := waitListening(t, stderr.String)

	resp, err := http.Post(base+"/api/syncs/hired-to-hris/run?wait=true", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK      bool `json:"ok"`
		Results []struct {
			Target string
			Create int
		}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &got); err != nil || !got.OK || len(got.Results) != 2 || got.Results[0].Create == 0 {
		t.Fatalf("run through the API: %v %s", err, b)
	}
	// The CLI sees the run the server made.
	if o := cli(t, "-c", cfg, "status", "--json"); o.code != 0 || !strings.Contains(o.stdout, `"status": "ok"`) {
		t.Fatalf("status after a served run: %d %s %s", o.code, o.stdout, o.stderr)
	}
	cancel()
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("serve exited %d after shutdown; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "oneway serve: stopped") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

// TestServeExitsZeroOnSIGTERM sends a real SIGTERM to `oneway serve` in a child process.
func TestServeExitsZeroOnSIGTERM(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeServerConfig(t, quickstart(t), "server: {shutdown_grace: 10s}\n")
	cmd := exec.Command(exe, "-c", cfg, "serve", "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ONEWAY_TEST_CLI=1")
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var out lockedBuffer
	go func() {
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			fmt.Fprintln(&out, sc.Text())
		}
	}()
	base := waitListening(t, out.String)
	resp, err := http.Post(base+"/api/syncs/hired-to-hris/run", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run: %d", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	// The run it had started finished (grace 10s) and was recorded.
	if o := cli(t, "-c", cfg, "history", "--json"); o.code != 0 || strings.Contains(o.stdout, `"running"`) || !strings.Contains(o.stdout, `"status": "ok"`) {
		t.Fatalf("history after SIGTERM: %s %s", o.stdout, o.stderr)
	}
}
