package schedule

import (
	"context"
	"sync"
	"time"
)

// Schedule says when a job runs next; config.Schedule implements it.
type Schedule interface {
	// Next returns the first time after t at which the job is due.
	Next(t time.Time) time.Time
}

// Job is something to run on a schedule.
type Job struct {
	Name     string
	Schedule Schedule
	// Run runs the job once and returns when that run has ended. It is never called again before it
	// returned, so runs of one job never overlap.
	Run func(ctx context.Context)
}

// Scheduler runs jobs on their schedules.
type Scheduler struct {
	Clock Clock
	// OnNext, when set, is told each job's next planned run, before the scheduler waits for it.
	OnNext func(job string, next time.Time)
}

// Run runs every job on its schedule until ctx is cancelled, then waits for the runs in progress to
// return and returns. Each job has its own loop: its next run is planned from the previous planned time,
// so a quick job keeps to its schedule without drift; when a run ends after its next planned time (it
// took longer than the interval), the next run starts at once, and only once, whatever the number of
// ticks it overran.
func (s *Scheduler) Run(ctx context.Context, jobs []Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, j)
		}()
	}
	wg.Wait()
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	next := j.Schedule.Next(s.Clock.Now())
	for {
		if s.OnNext != nil {
			s.OnNext(j.Name, next)
		}
		if !s.sleepUntil(ctx, next) {
			return
		}
		j.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		after := j.Schedule.Next(next)
		if now := s.Clock.Now(); !after.After(now) {
			after = now // late: run now, once
		}
		next = after
	}
}

// sleepUntil waits until t and reports true, or reports false when ctx ends first.
func (s *Scheduler) sleepUntil(ctx context.Context, t time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	d := t.Sub(s.Clock.Now())
	if d <= 0 {
		return true
	}
	timer := s.Clock.NewTimer(d)
	select {
	case <-timer.C():
		return true
	case <-ctx.Done():
		timer.Stop()
		return false
	}
}
