package fakehttp

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// Fault says how a fake must answer a request instead of serving it.
type Fault int

const (
	// None: serve the request normally.
	None Fault = iota
	// Throttled: the client is over its rate limit; answer with the API's documented throttling response
	// and a Retry-After header.
	Throttled
	// Failed: answer with Decision.Status (a 5xx) as if the service had a transient outage.
	Failed
)

// Decision is the injector's verdict for one request.
type Decision struct {
	Fault      Fault
	Status     int           // for Failed: the status to answer with
	RetryAfter time.Duration // for Throttled: how long the client must wait
	// Limited is true when a request-count rate limit is configured; Limit and Remaining then describe
	// the current window (for headers such as Greenhouse's X-RateLimit-Limit/X-RateLimit-Remaining).
	Limited   bool
	Limit     int
	Remaining int
	Reset     time.Time // end of the current window
}

// RetryAfterHeader renders RetryAfter as whole seconds, rounded up, for a Retry-After header.
func (d Decision) RetryAfterHeader() string {
	return strconv.Itoa(int(math.Ceil(d.RetryAfter.Seconds())))
}

// Injector decides, request by request, whether a fake answers normally or with a fault. Switches are
// deterministic (the next n requests) so that tests can assert exact retry behaviour; a fixed-window
// request limit models the documented rate limits. It is safe for concurrent use.
type Injector struct {
	mu  sync.Mutex
	now func() time.Time

	throttleN     int
	throttleAfter time.Duration
	failN         int
	failStatus    int

	limit       int
	window      time.Duration
	windowStart time.Time
	used        int
}

// NewInjector returns an injector with no faults armed. now is the clock used for rate-limit windows;
// nil means time.Now.
func NewInjector(now func() time.Time) *Injector {
	if now == nil {
		now = time.Now
	}
	return &Injector{now: now}
}

// Throttle makes the next n requests throttled, each telling the client to retry after retryAfter.
func (i *Injector) Throttle(n int, retryAfter time.Duration) {
	i.mu.Lock()
	i.throttleN, i.throttleAfter = n, retryAfter
	i.mu.Unlock()
}

// FailNext makes the next n requests (after any armed throttling) fail with status, e.g. 500 or 503.
func (i *Injector) FailNext(n, status int) {
	i.mu.Lock()
	i.failN, i.failStatus = n, status
	i.mu.Unlock()
}

// SetRateLimit allows limit requests per fixed window; further requests in the same window are
// throttled until the window ends. A limit of 0 removes the rate limit.
func (i *Injector) SetRateLimit(limit int, window time.Duration) {
	i.mu.Lock()
	i.limit, i.window = limit, window
	i.windowStart, i.used = time.Time{}, 0
	i.mu.Unlock()
}

// Reset disarms every fault and removes the rate limit.
func (i *Injector) Reset() {
	i.mu.Lock()
	i.throttleN, i.failN, i.limit, i.used = 0, 0, 0, 0
	i.mu.Unlock()
}

// Decide consumes one request's worth of the armed faults and returns the verdict for it.
func (i *Injector) Decide() Decision {
	i.mu.Lock()
	defer i.mu.Unlock()
	var d Decision
	if i.limit > 0 {
		now := i.now()
		if i.windowStart.IsZero() || !now.Before(i.windowStart.Add(i.window)) {
			i.windowStart, i.used = now, 0
		}
		d.Limited, d.Limit, d.Reset = true, i.limit, i.windowStart.Add(i.window)
		if i.used >= i.limit {
			d.Fault, d.RetryAfter = Throttled, d.Reset.Sub(now)
			return d
		}
		i.used++
		d.Remaining = i.limit - i.used
	}
	switch {
	case i.throttleN > 0:
		i.throttleN--
		d.Fault, d.RetryAfter = Throttled, i.throttleAfter
	case i.failN > 0:
		i.failN--
		d.Fault, d.Status = Failed, i.failStatus
	}
	return d
}
