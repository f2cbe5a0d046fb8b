package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/schedule"
)

// Triggers say what started a run.
const (
	TriggerSchedule  = "schedule"
	TriggerAPI       = "api"
	TriggerWebhook   = "webhook"
	TriggerDashboard = "dashboard"
	TriggerRetry     = "retry"
)

var (
	// ErrBusy: the sync is running (or a run is queued) and the caller asked not to wait.
	ErrBusy = errors.New("the sync is already running")
	// ErrShutdown: the server is shutting down and starts no more runs.
	ErrShutdown = errors.New("the server is shutting down and starts no new runs")
)

// Run is one requested run of a sync. Requests made while the sync runs share one Run: the next.
type Run struct {
	Sync     string
	Trigger  string
	Queued   time.Time
	Started  time.Time
	Finished time.Time
	// Report and Err are set when Done is closed. Err is set when the run was stopped (shutdown) or
	// never started.
	Report *engine.Report
	Err    error

	opts engine.Options
	done chan struct{}
}

// Done is closed when the run has ended (or was dropped at shutdown).
func (r *Run) Done() <-chan struct{} { return r.done }

// progress is a running sync's live counts, from engine.Progress.
type progress struct {
	Read    int
	Applied map[string][2]int // target -> done, total
}

// syncState is the runner's view of one sync.
type syncState struct {
	sy       *config.Sync
	running  *Run
	queued   *Run
	next     time.Time // the scheduler's next planned run; zero without a schedule
	last     *Run
	progress progress
}

// runner starts runs: at most one per sync at a time, and requests that arrive while a sync runs are
// folded into one next run, so nothing asked for is lost and nothing runs twice over.
type runner struct {
	spec    *config.Spec
	base    engine.Engine
	clock   schedule.Clock
	log     *slog.Logger
	started func(r *Run)                      // told of every run as it starts (metrics)
	after   func(ctx context.Context, r *Run) // told of every finished run (metrics, alerts)
	runCtx  context.Context                   // runs stop when it is cancelled (shutdown grace over)
	abort   context.CancelFunc

	mu      sync.Mutex
	syncs   map[string]*syncState
	closing bool
	wg      sync.WaitGroup
}

func newRunner(spec *config.Spec, base engine.Engine, clock schedule.Clock, log *slog.Logger, after func(context.Context, *Run)) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{spec: spec, base: base, clock: clock, log: log, after: after, runCtx: ctx, abort: cancel, syncs: map[string]*syncState{}}
	for _, sy := range spec.Syncs {
		r.syncs[sy.Name] = &syncState{sy: sy}
	}
	return r
}

// request asks for a run of a sync. If the sync is idle the run starts now; otherwise the request joins
// the run queued after the current one (its options are merged in). With exclusive, a sync that is
// running or has a queued run gives ErrBusy instead.
func (r *runner) request(name, trigger string, opts engine.Options, exclusive bool) (*Run, error) {
	opts.Apply = true
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.syncs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", errUnknownSync, name)
	}
	if r.closing {
		return nil, ErrShutdown
	}
	if st.running == nil {
		run := r.newRun(name, trigger, opts)
		r.startLocked(st, run)
		return run, nil
	}
	if exclusive {
		return nil, ErrBusy
	}
	if st.queued == nil {
		st.queued = r.newRun(name, trigger, opts)
	} else {
		st.queued.opts.Full = st.queued.opts.Full || opts.Full
		st.queued.opts.AllowMassDelete = st.queued.opts.AllowMassDelete || opts.AllowMassDelete
	}
	return st.queued, nil
}

var errUnknownSync = errors.New("no such sync")

func (r *runner) newRun(name, trigger string, opts engine.Options) *Run {
	return &Run{Sync: name, Trigger: trigger, Queued: r.clock.Now(), opts: opts, done: make(chan struct{})}
}

func (r *runner) startLocked(st *syncState, run *Run) {
	run.Started = r.clock.Now()
	st.running = run
	st.progress = progress{Applied: map[string][2]int{}}
	r.wg.Add(1)
	go r.execute(st, run)
}

func (r *runner) execute(st *syncState, run *Run) {
	defer r.wg.Done()
	log := r.log.With("sync", run.Sync, "trigger", run.Trigger)
	log.Info("run started")
	if r.started != nil {
		r.started(run)
	}
	eng := r.base
	eng.Progress = liveProgress{r, st}
	rep, err := eng.Execute(r.runCtx, r.spec, []*config.Sync{st.sy}, run.opts)
	r.mu.Lock()
	run.Report, run.Err, run.Finished = rep, err, r.clock.Now()
	r.mu.Unlock()
	if run.Err != nil {
		log.Warn("run stopped", "error", r.spec.Redact(run.Err.Error()))
	} else {
		log.Info("run finished", "ok", run.Report.OK(), "seconds", run.Finished.Sub(run.Started).Seconds())
	}
	if r.after != nil {
		r.after(context.WithoutCancel(r.runCtx), run)
	}
	r.mu.Lock()
	st.last = run
	r.releaseLocked(st)
	r.mu.Unlock()
	close(run.done)
}

// releaseLocked frees a sync's slot and starts the run queued meanwhile, if any.
func (r *runner) releaseLocked(st *syncState) {
	st.running = nil
	if next := st.queued; next != nil {
		st.queued = nil
		if r.closing {
			next.Err = ErrShutdown
			close(next.done)
		} else {
			r.startLocked(st, next)
		}
	}
}

// TriggerHold marks the slot of a sync reserved by hold.
const TriggerHold = "hold"

// hold reserves a sync's slot for work done outside the runner (a verify, a drop of rejected records), so
// that it never overlaps a run of the sync: meanwhile run requests queue up, and release starts them. The
// work must use the returned context: it ends with ctx or when the shutdown grace is over (abort), and
// shutdown waits for release as for a run.
func (r *runner) hold(ctx context.Context, name string) (context.Context, func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.syncs[name]
	switch {
	case !ok:
		return nil, nil, fmt.Errorf("%w: %q", errUnknownSync, name)
	case r.closing:
		return nil, nil, ErrShutdown
	case st.running != nil || st.queued != nil:
		return nil, nil, ErrBusy
	}
	h := r.newRun(name, TriggerHold, engine.Options{})
	h.Started = h.Queued
	st.running = h
	r.wg.Add(1)
	hctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.runCtx, cancel)
	return hctx, func() {
		stop()
		cancel()
		r.mu.Lock()
		r.releaseLocked(st)
		r.mu.Unlock()
		close(h.done)
		r.wg.Done()
	}, nil
}

// close stops starting runs: new requests get ErrShutdown and queued runs are dropped when the running
// one ends. Runs in progress go on until they end or abort is called.
func (r *runner) close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
}

func (r *runner) isClosing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

// wait waits for the runs in progress to end, cancelling them (which the engine turns into a clean
// stop: every batch it committed stays, nothing is half-written) if they are not done after grace.
func (r *runner) wait(grace time.Duration) {
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	timer := r.clock.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C():
		r.log.Warn("shutdown grace is over: cancelling the runs in progress", "grace", grace.String())
		r.abort()
	}
	<-done
}

// state returns a copy of a sync's state for display.
func (r *runner) state(name string) (running, queued, last *Run, next time.Time, p progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.syncs[name]
	if !ok {
		return nil, nil, nil, time.Time{}, progress{}
	}
	p = progress{Read: st.progress.Read, Applied: map[string][2]int{}}
	for k, v := range st.progress.Applied {
		p.Applied[k] = v
	}
	return copyRun(st.running), copyRun(st.queued), copyRun(st.last), st.next, p
}

// copyRun copies the fields shown to people (the pointers to reports are shared, read-only).
func copyRun(r *Run) *Run {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

func (r *runner) setNext(name string, next time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.syncs[name]; ok {
		st.next = next
	}
}

// liveProgress records a running sync's progress for the dashboard.
type liveProgress struct {
	r  *runner
	st *syncState
}

func (p liveProgress) Read(_ string, n int) {
	p.r.mu.Lock()
	p.st.progress.Read = n
	p.r.mu.Unlock()
}

func (p liveProgress) Applied(_, target string, done, total int) {
	p.r.mu.Lock()
	p.st.progress.Applied[target] = [2]int{done, total}
	p.r.mu.Unlock()
}
