package ledger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock takes an exclusive lock on a sync with flock(2) on a file beside the state, so two runs of the
// same sync never overlap. The kernel releases it when the process dies, so a killed run never leaves
// a stale lock. The file records the holder, which a refused run names.
func (s *SQLite) Lock(sync string) (func(), error) {
	dir := filepath.Join(filepath.Dir(s.path), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock sync %s: %w", sync, err)
	}
	name := filepath.Join(dir, lockName(filepath.Base(s.path), sync))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock sync %s: %w", sync, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sync %s is already running (%s); wait for it to finish", sync, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock sync %s: %w", sync, err)
	}
	host, _ := os.Hostname()
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// lockName makes a file name from a sync name, which config restricts to [A-Za-z0-9_-].
func lockName(state, sync string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r == 0 {
			return '_'
		}
		return r
	}, sync)
	return state + "." + clean + ".lock"
}
