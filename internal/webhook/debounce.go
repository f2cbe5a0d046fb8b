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

// Trigger adds an event. It reports whether the event joined a window already open.
func (d *Debouncer) Trigger() (joined bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return false
	}
	if d.open {
		return true
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
				timer.Stop()
				return
			}
		}
		d.mu.Lock()
		d.open = false
		d.mu.Unlock()
		d.fire()
	}()
	return false
}

// Stop drops an open window without firing and waits for a Fire in progress to return. Triggers after
// Stop are ignored.
func (d *Debouncer) Stop() {
	d.mu.Lock()
	if !d.stopped {
		d.stopped = true
		close(d.stop)
	}
	d.mu.Unlock()
	d.wg.Wait()
}
