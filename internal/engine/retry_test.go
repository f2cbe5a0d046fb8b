package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/memory"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// executeWith runs with a custom Sleep, so retries are instant and observable.
func (h *harness) executeWith(sleep func(context.Context, time.Duration) error) *engine.Result {
	h.t.Helper()
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, h.state, false)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	reg := connector.NewRegistry()
	memory.Register(reg, h.mem)
	eng := &engine.Engine{Registry: reg, Store: st, Sleep: sleep}
	rep, err := eng.Execute(ctx, h.spec, h.spec.Syncs, engine.Options{Apply: true})
	if err != nil {
		h.t.Fatal(err)
	}
	return rep.Results[0]
}

func TestTransientRecordErrorsAreRetriedHonouringRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "throttled", ""), person(3, "c", ""))
	var mu sync.Mutex
	calls := 0
	h.mem.FailApply("out", func(c connector.Change) error {
		mu.Lock()
		defer mu.Unlock()
		if c.Record["name"] == "throttled" {
			if calls++; calls <= 2 {
				return connector.TransientAfter(errors.New("HTTP 429"), 7*time.Second)
			}
		}
		return nil
	})
	var waits []time.Duration
	r := h.executeWith(func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	wantCounts(t, r, counts{create: 3})
	if len(waits) != 2 || waits[0] < 7*time.Second || waits[1] < 7*time.Second {
		t.Fatalf("waits = %v, want two waits of at least the 7s Retry-After", waits)
	}
}

func TestPermanentErrorsAreNotRetried(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "bad", ""))
	calls := 0
	h.mem.FailApply("out", func(connector.Change) error { calls++; return errors.New("HTTP 400 invalid email") })
	slept := false
	r := h.executeWith(func(context.Context, time.Duration) error { slept = true; return nil })
	wantCounts(t, r, counts{failed: 1})
	if calls != 1 || slept {
		t.Fatalf("a permanent error was retried: %d calls, slept %v", calls, slept)
	}
}

func TestTransientBatchFailureRetriedThenConverges(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""))
	h.mem.FailBatchAfter("out", 0, connector.Transient(errors.New("connection reset by peer")))
	// The target comes back while oneway waits to retry.
	r := h.executeWith(func(context.Context, time.Duration) error { h.mem.FailBatchAfter("out", 0, nil); return nil })
	wantCounts(t, r, counts{create: 3})

	// Down for longer than the retries last: the target fails, its ledger does not move, the next run converges.
	h2 := newHarness(t)
	h2.put(person(1, "a", ""), person(2, "b", ""))
	h2.mem.FailBatchAfter("out", 0, connector.Transient(errors.New("connection refused")))
	attempts := 0
	r = h2.executeWith(func(context.Context, time.Duration) error { attempts++; return nil })
	if r.Status != engine.StatusFailed || r.Create != 0 || attempts != 4 {
		t.Fatalf("status %s creates %d after %d waits", r.Status, r.Create, attempts)
	}
	h2.mem.FailBatchAfter("out", 0, nil)
	wantCounts(t, h2.run(), counts{create: 2})
}

func TestRateLimitCapsBatches(t *testing.T) {
	tg := target("out")
	tg.RateLimit = 200 // per second
	tg.BatchSize = 500
	h := newHarness(t, tg)
	h.sync.Source.BatchSize = 1000
	for i := int64(1); i <= 450; i++ {
		h.put(person(i, "x", ""))
	}
	wantCounts(t, h.run(), counts{create: 450})
	if calls, _ := h.mem.Applied("out"); calls != 3 {
		t.Fatalf("%d Apply calls for 450 changes at 200/s, want 3 batches of at most 200", calls)
	}
}

// slowWriter stands for a target whose connection silently stopped answering during the first write.
type slowWriter struct {
	connector.Writer
	calls int
}

func (w *slowWriter) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	w.calls++
	if w.calls == 1 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return w.Writer.Apply(ctx, batch)
}

type slowTarget struct {
	*memory.Conn
	w *slowWriter
}

func (s *slowTarget) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	inner, err := s.Conn.OpenWriter(ctx, req)
	if err != nil {
		return nil, err
	}
	s.w = &slowWriter{Writer: inner}
	return s.w, nil
}

func TestStalledBatchTimesOutAndIsRetried(t *testing.T) {
	tg := target("out")
	tg.WriteTimeout = 50 * time.Millisecond
	tg.BatchSize = 10
	h := newHarness(t, tg)
	h.put(person(1, "a", ""), person(2, "b", ""))
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, h.state, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := connector.NewRegistry()
	reg.Register(connector.Kind{Name: "memory", New: func(connector.Settings, connector.Env) (connector.Conn, error) {
		return &slowTarget{Conn: memory.Open(h.mem)}, nil
	}})
	eng := &engine.Engine{Registry: reg, Store: st, Sleep: func(context.Context, time.Duration) error { return nil }}
	rep, err := eng.Execute(ctx, h.spec, h.spec.Syncs, engine.Options{Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, rep.Results[0], counts{create: 2})
}
