package schedule

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onewaysync/oneway/internal/cron"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// blockingJob records when each run starts and holds it until the test releases it.
type blockingJob struct {
	clock   *Fake
	mu      sync.Mutex
	starts  []time.Duration // since t0
	started chan struct{}
	release chan struct{}
	active  atomic.Int32
	overlap atomic.Bool
}

func newBlockingJob(c *Fake) *blockingJob {
	return &blockingJob{clock: c, started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (b *blockingJob) run(ctx context.Context) {
	if b.active.Add(1) > 1 {
		b.overlap.Store(true)
	}
	defer b.active.Add(-1)
	b.mu.Lock()
	b.starts = append(b.starts, b.clock.Now().Sub(t0))
	b.mu.Unlock()
	b.started <- struct{}{}
	<-b.release
}

func (b *blockingJob) waitStart(t *testing.T) {
	t.Helper()
	select {
	case <-b.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not start")
	}
}

func (b *blockingJob) noStart(t *testing.T) {
	t.Helper()
	select {
	case <-b.started:
		t.Fatal("a run started that should not have")
	case <-time.After(50 * time.Millisecond):
	}
}

func waitTimers(t *testing.T, c *Fake, n int) {
	t.Helper()
	if err := c.WaitTimers(n, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerLongRunDelaysNeverDuplicates(t *testing.T) {
	clock := NewFake(t0)
	job := newBlockingJob(clock)
	var nextMu sync.Mutex
	var nexts []time.Duration
	s := &Scheduler{Clock: clock, OnNext: func(_ string, next time.Time) {
		nextMu.Lock()
		nexts = append(nexts, next.Sub(t0))
		nextMu.Unlock()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx, []Job{{Name: "s", Schedule: every(5 * time.Minute), Run: job.run}})
		close(done)
	}()

	waitTimers(t, clock, 1)
	clock.Advance(4 * time.Minute)
	job.noStart(t)
	clock.Advance(time.Minute) // 5m: the first run starts and takes 12 minutes
	job.waitStart(t)
	clock.Advance(12 * time.Minute) // ticks at 10m and 15m pass during the run
	job.noStart(t)
	job.release <- struct{}{} // ends at 17m: one late run starts at once
	job.waitStart(t)
	job.noStart(t)
	job.release <- struct{}{} // ends at 17m: back on schedule, next at 22m
	waitTimers(t, clock, 1)
	job.noStart(t)
	clock.Advance(5 * time.Minute)
	job.waitStart(t)
	job.release <- struct{}{}
	waitTimers(t, clock, 1)

	cancel()
	<-done
	if job.overlap.Load() {
		t.Fatal("two runs overlapped")
	}
	want := []time.Duration{5 * time.Minute, 17 * time.Minute, 22 * time.Minute}
	if len(job.starts) != len(want) {
		t.Fatalf("runs started at %v, want %v", job.starts, want)
	}
	for i := range want {
		if job.starts[i] != want[i] {
			t.Fatalf("runs started at %v, want %v", job.starts, want)
		}
	}
	nextMu.Lock()
	defer nextMu.Unlock()
	wantNext := []time.Duration{5 * time.Minute, 17 * time.Minute, 22 * time.Minute, 27 * time.Minute}
	if len(nexts) != len(wantNext) {
		t.Fatalf("next runs announced %v, want %v", nexts, wantNext)
	}
	for i := range wantNext {
		if nexts[i] != wantNext[i] {
			t.Fatalf("next runs announced %v, want %v", nexts, wantNext)
		}
	}
}

func TestSchedulerCron(t *testing.T) {
	clock := NewFake(t0.Add(90 * time.Second)) // 10:01:30
	expr, err := cron.Parse("*/15 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	job := newBlockingJob(clock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s := &Scheduler{Clock: clock}
		s.Run(ctx, []Job{{Name: "c", Schedule: expr, Run: job.run}})
		close(done)
	}()
	for _, step := range []time.Duration{13*time.Minute + 30*time.Second, 15 * time.Minute} {
		waitTimers(t, clock, 1)
		clock.Advance(step - time.Second)
		job.noStart(t)
		clock.Advance(time.Second)
		job.waitStart(t)
		job.release <- struct{}{}
	}
	waitTimers(t, clock, 1)
	cancel()
	<-done
	if want := []time.Duration{15 * time.Minute, 30 * time.Minute}; len(job.starts) != 2 || job.starts[0] != want[0] || job.starts[1] != want[1] {
		t.Fatalf("cron runs at %v, want %v", job.starts, want)
	}
}

func TestSchedulerIndependentJobs(t *testing.T) {
	clock := NewFake(t0)
	slow, fast := newBlockingJob(clock), newBlockingJob(clock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&Scheduler{Clock: clock}).Run(ctx, []Job{
			{Name: "slow", Schedule: every(time.Minute), Run: slow.run},
			{Name: "fast", Schedule: every(time.Minute), Run: fast.run},
		})
		close(done)
	}()
	waitTimers(t, clock, 2)
	clock.Advance(time.Minute)
	slow.waitStart(t)
	fast.waitStart(t)
	fast.release <- struct{}{}
	waitTimers(t, clock, 1) // fast waits for its next tick while slow still runs
	clock.Advance(time.Minute)
	fast.waitStart(t) // a slow job does not hold up another
	fast.release <- struct{}{}
	slow.release <- struct{}{}
	slow.waitStart(t) // slow overran its 2m tick: it runs once more at once
	slow.release <- struct{}{}
	waitTimers(t, clock, 2)
	cancel()
	<-done
}

func TestSchedulerStopsWaitingOnCancel(t *testing.T) {
	clock := NewFake(t0)
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&Scheduler{Clock: clock}).Run(ctx, []Job{{Name: "s", Schedule: every(time.Hour), Run: func(context.Context) { runs.Add(1) }}})
		close(done)
	}()
	waitTimers(t, clock, 1)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if clock.Timers() != 0 {
		t.Fatalf("%d timers left set", clock.Timers())
	}
	clock.Advance(2 * time.Hour)
	if runs.Load() != 0 {
		t.Fatal("a job ran after cancel")
	}
}

func TestSchedulerWaitsForRunningJobOnCancel(t *testing.T) {
	clock := NewFake(t0)
	job := newBlockingJob(clock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&Scheduler{Clock: clock}).Run(ctx, []Job{{Name: "s", Schedule: every(time.Minute), Run: job.run}})
		close(done)
	}()
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	job.waitStart(t)
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a run was in progress")
	case <-time.After(50 * time.Millisecond):
	}
	job.release <- struct{}{}
	<-done
	job.noStart(t)
}

func TestFakeClock(t *testing.T) {
	c := NewFake(t0)
	a, b := c.NewTimer(2*time.Second), c.NewTimer(time.Second)
	if c.Timers() != 2 {
		t.Fatal("timers not counted")
	}
	c.Advance(time.Second)
	select {
	case at := <-b.C():
		if !at.Equal(t0.Add(time.Second)) {
			t.Fatalf("fired with %s", at)
		}
	default:
		t.Fatal("due timer did not fire")
	}
	select {
	case <-a.C():
		t.Fatal("timer fired early")
	default:
	}
	if !a.Stop() || a.Stop() {
		t.Fatal("Stop should report true once")
	}
	c.Advance(time.Hour)
	select {
	case <-a.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if err := c.WaitTimers(1, 20*time.Millisecond); err == nil {
		t.Fatal("WaitTimers should time out")
	}
}
