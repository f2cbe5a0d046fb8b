package schedule

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Fake is a Clock that moves only when told to, for tests: Advance moves it and fires the timers that
// are due, in order; WaitTimers lets a test wait until the code under test has set its timers.
type Fake struct {
	mu     sync.Mutex
	cond   *sync.Cond
	now    time.Time
	timers []*fakeTimer
}

// NewFake returns a fake clock showing t.
func NewFake(t time.Time) *Fake {
	f := &Fake{now: t}
	f.cond = sync.NewCond(&f.mu)
	return f
}

type fakeTimer struct {
	f   *Fake
	at  time.Time
	c   chan time.Time
	off bool
}

// Now implements Clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer implements Clock. A timer of d <= 0 fires at the next Advance (even of 0).
func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{f: f, at: f.now.Add(d), c: make(chan time.Time, 1)}
	f.timers = append(f.timers, t)
	f.cond.Broadcast()
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	was := !t.off
	t.off = true
	t.f.remove(t)
	return was
}

func (f *Fake) remove(t *fakeTimer) {
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			f.cond.Broadcast()
			return
		}
	}
}

// Advance moves the clock forward by d and fires, in deadline order, every timer due by then.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	sort.SliceStable(f.timers, func(i, j int) bool { return f.timers[i].at.Before(f.timers[j].at) })
	var keep []*fakeTimer
	for _, t := range f.timers {
		if t.at.After(f.now) {
			keep = append(keep, t)
			continue
		}
		t.off = true
		t.c <- f.now // buffered, and each timer fires once
	}
	f.timers = keep
	f.cond.Broadcast()
}

// Timers returns how many timers are set and not yet fired or stopped.
func (f *Fake) Timers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// WaitTimers blocks until at least n timers are set, or fails after timeout (real time), so that a
// test that waits for something that never happens fails instead of hanging.
func (f *Fake) WaitTimers(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	wake := time.AfterFunc(timeout, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer wake.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.timers) < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("fake clock: %d timer(s) set after %s, want %d", len(f.timers), timeout, n)
		}
		f.cond.Wait()
	}
	return nil
}

var _ Clock = (*Fake)(nil)
