package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/onewaysync/oneway/connector"
)

// retryPolicy says how transient failures are retried within a run. Whatever still fails after it is
// kept (a failed target, or rejected records) and tried again on the next run.
type retryPolicy struct {
	tries    int           // attempts in all, the first included
	initial  time.Duration // first wait; doubles each time, with jitter
	maxWait  time.Duration // cap of one wait, Retry-After included
	sleep    func(ctx context.Context, d time.Duration) error
	announce func(attempt int, wait time.Duration, err error)
}

func (e *Engine) retryPolicy(log *slog.Logger) retryPolicy {
	p := retryPolicy{tries: 5, initial: 250 * time.Millisecond, maxWait: 2 * time.Minute, sleep: sleepCtx}
	if e.Sleep != nil {
		p.sleep = e.Sleep
	}
	p.announce = func(attempt int, wait time.Duration, err error) {
		log.Warn("transient failure, retrying", "attempt", attempt, "wait", wait.String(), "error", e.redact(err.Error()))
	}
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waits returns the successive waits: exponential with jitter (cenkalti/backoff), stretched to the
// Retry-After a server asked for.
type waits struct {
	p retryPolicy
	b *backoff.ExponentialBackOff
}

func (p retryPolicy) waits() *waits {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.RandomizationFactor, b.Multiplier = p.initial, p.maxWait, 0.5, 2
	b.Reset()
	return &waits{p: p, b: b}
}

func (w *waits) next(err error) time.Duration {
	d := w.b.NextBackOff()
	if ra, ok := connector.RetryAfterOf(err); ok && ra > d {
		d = ra
	}
	return min(d, w.p.maxWait)
}

// do runs op until it succeeds, fails permanently, or the attempts run out.
func do[T any](ctx context.Context, p retryPolicy, op func() (T, error)) (T, error) {
	w := p.waits()
	for attempt := 1; ; attempt++ {
		v, err := op()
		if err == nil || !connector.IsRetryable(err) || attempt >= p.tries {
			return v, err
		}
		wait := w.next(err)
		p.announce(attempt, wait, err)
		if serr := p.sleep(ctx, wait); serr != nil {
			return v, err
		}
	}
}
