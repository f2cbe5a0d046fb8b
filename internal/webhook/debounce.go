package webhook

import (
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/schedule"
)

// Debouncer gathers triggers into windows: the first trigger opens a window of Window, later triggers
// join it, and when it closes Fire is called once. A trigger after Fire was called opens a new window,
// so nothing that arrived is ever lost. The window does not restart on each trigger, so a steady stream
// of hooks cannot postpone the run for ever.
type Debouncer struct {
	clock  schedule.Clock
	window time.Duration
	fire   func()

	mu      sync.Mutex
	open    bool
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

// NewDebouncer returns a debouncer calling fire (in its own goroutine) at the end of each window.
func NewDebouncer(clock schedule.Clock, window time.Duration, fire func()) *Debouncer {
	return &Debouncer{clock: clock, window: window, fire: fire, stop: make(chan struct{})}
}

// Trigger adds an event. It reports whether the event joined a window already open, and whether it was
// taken at all: after Stop it is not (the caller should say so, so that the sender retries elsewhere).
func (d *Debouncer) Trigger() (joined, accepted bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return false, false
	}
	if d.open {
		return true, true
	}
	d.open = true
	var timer schedule.Timer
	if d.window > 0 {
		timer = d.clock.NewTimer(d.window)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if timer != nil {
			select {
			case <-timer.C():
			case <-d.stop:
				timer.Stop() // the window ends early: what it gathered was accepted, so it fires
			}
		}
		d.mu.Lock()
		d.open = false
		d.mu.Unlock()
		d.fire()
	}()
	return false, true
}

// Stop ends an open window at once, firing it, and waits for the Fire to return: a trigger that was
// accepted is never dropped. Triggers after Stop are refused.
func (d *Debouncer) Stop() {
	d.mu.Lock()
	if !d.stopped {
		d.stopped = true
		close(d.stop)
	}
	d.mu.Unlock()
	d.wg.Wait()
}
