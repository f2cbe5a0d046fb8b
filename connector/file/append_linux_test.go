//go:build linux

package file

import (
	"context"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// TestAppendPartialWriteIsCutBack fills the "disk" half-way through a batch, with a file size limit
// (RLIMIT_FSIZE, process-wide: this test must not run in parallel): Apply fails and the file is cut back
// to what it held, so no half record stays behind.
func TestAppendPartialWriteIsCutBack(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	w := openAppendWriter(t, c, connector.WriteRequest{Stream: "log"})
	applyAll(t, w, create(nil, connector.Record{"id": int64(1)}))
	path := filepath.Join(dir, "log.jsonl")
	before := readFile(t, path)

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	signal.Ignore(syscall.SIGXFSZ) // get EFBIG from write instead of being killed
	defer signal.Reset(syscall.SIGXFSZ)
	limit := syscall.Rlimit{Cur: uint64(len(before) + 100), Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	big := connector.Record{"id": int64(2), "text": strings.Repeat("x", 1000)}
	_, err := w.Apply(context.Background(), []connector.Change{create(nil, big)})
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatalf("restore the file size limit: %v", rerr)
	}
	if err == nil {
		t.Fatal("Apply beyond the file size limit succeeded")
	}
	if got := readFile(t, path); got != before {
		t.Fatalf("after a failed Apply the file holds %d bytes, want the %d it had", len(got), len(before))
	}
	applyAll(t, w, create(nil, connector.Record{"id": int64(3)}))
	if got := readFile(t, path); got != before+"{\"id\":3}\n" {
		t.Fatalf("file %q", got)
	}
}
