package alert

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector/httpclient"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestTrackerOneEventPerChange(t *testing.T) {
	ok := Health{Sync: "s", Targets: []TargetHealth{{Target: "db/t", Records: 100}}}
	failing := Health{Sync: "s", Failing: true, Error: "read x: connection refused"}
	manyRejected := Health{Sync: "s", Targets: []TargetHealth{{Target: "db/t", Records: 80, Rejected: 20}, {Target: "db/u", Records: 100, Rejected: 1}}}
	fewRejected := Health{Sync: "s", Targets: []TargetHealth{{Target: "db/t", Records: 95, Rejected: 5}}}
	steps := []struct {
		h    Health
		want []string // event kinds
	}{
		{ok, nil},                    // unknown -> ok: nothing to say
		{ok, nil},                    // no change
		{failing, []string{Failing}}, // ok -> failing
		{failing, nil},               // still failing: said once
		{failing, nil},
		{ok, []string{Recovered}},
		{manyRejected, []string{RejectedHigh}},
		{manyRejected, nil},
		{failing, []string{Failing}}, // a failed run leaves the rejected state alone
		{manyRejected, []string{Recovered}},
		{fewRejected, []string{RejectedNormal}}, // 5% <= 10%
		{fewRejected, nil},
	}
	tr := NewTracker(0.1)
	for i, st := range steps {
		events := tr.Observe(st.h, now)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
			if e.Sync != "s" || !e.Time.Equal(now) || e.Text == "" {
				t.Errorf("step %d: malformed event %+v", i, e)
			}
		}
		if strings.Join(kinds, ",") != strings.Join(st.want, ",") {
			t.Fatalf("step %d: events %v, want %v", i, kinds, st.want)
		}
		if len(events) == 1 && events[0].Kind == RejectedHigh {
			e := events[0]
			if e.Target != "db/t" || e.Rejected != 20 || e.RejectedShare != 0.2 || !strings.Contains(e.Text, "20.0%") {
				t.Fatalf("rejected event = %+v", e)
			}
		}
		if len(events) == 1 && events[0].Kind == Failing && !strings.Contains(events[0].Text, "connection refused") {
			t.Fatalf("failing event without the reason: %+v", events[0])
		}
	}
}

func TestTrackerSeed(t *testing.T) {
	tr := NewTracker(0.1)
	tr.Seed(Health{Sync: "s", Failing: true})
	if ev := tr.Observe(Health{Sync: "s", Failing: true}, now); len(ev) != 0 {
		t.Fatalf("a sync failing before a restart is announced again: %v", ev)
	}
	if ev := tr.Observe(Health{Sync: "s"}, now); len(ev) != 1 || ev[0].Kind != Recovered {
		t.Fatalf("events = %v", ev)
	}
}

// receiver is an alert destination that records bodies and fails the first n requests with status.
type receiver struct {
	mu     sync.Mutex
	bodies []string
	fail   int
	status int
	got    chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	if rc.fail > 0 {
		rc.fail--
		w.WriteHeader(rc.status)
		return
	}
	rc.bodies = append(rc.bodies, string(b))
	rc.got <- struct{}{}
}

func newSender(t *testing.T, rc *receiver, slack bool) *Sender {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	s := NewSender(srv.URL+"/hook/T000/SECRETPART", slack, httpclient.New(httpclient.Options{Timeout: 5 * time.Second}),
		slog.New(slog.DiscardHandler), func(s string) string { return s })
	s.Backoff = time.Millisecond
	t.Cleanup(func() { s.Close(5 * time.Second) })
	return s
}

func wait(t *testing.T, c chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received")
	}
}

func TestSenderWebhookJSON(t *testing.T) {
	rc := &receiver{got: make(chan struct{}, 10), fail: 2, status: http.StatusServiceUnavailable}
	s := newSender(t, rc, false)
	s.Send(Event{Sync: "s", Kind: Failing, Text: "oneway: sync s is failing", Time: now, Error: "boom"})
	wait(t, rc.got)
	s.Close(5 * time.Second)
	if len(rc.bodies) != 1 {
		t.Fatalf("delivered %d times, want once after the retries", len(rc.bodies))
	}
	var e Event
	if err := json.Unmarshal([]byte(rc.bodies[0]), &e); err != nil {
		t.Fatal(err)
	}
	if e.Sync != "s" || e.Kind != Failing || e.Error != "boom" || !e.Time.Equal(now) {
		t.Fatalf("received %+v", e)
	}
}

func TestSenderSlack(t *testing.T) {
	rc := &receiver{got: make(chan struct{}, 10)}
	s := newSender(t, rc, true)
	s.Send(Event{Sync: "s", Kind: Recovered, Text: "oneway: sync s recovered"})
	wait(t, rc.got)
	if rc.bodies[0] != `{"text":"oneway: sync s recovered"}` {
		t.Fatalf("slack body = %s", rc.bodies[0])
	}
}

func TestSenderGivesUpOnPermanentError(t *testing.T) {
	rc := &receiver{got: make(chan struct{}, 10), fail: 1, status: http.StatusNotFound}
	var logs strings.Builder
	var mu sync.Mutex
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s := NewSender(srv.URL+"/hook/SECRETPART", false, httpclient.New(httpclient.Options{}),
		slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)), func(s string) string { return s })
	s.Backoff = time.Millisecond
	s.Send(Event{Sync: "s", Kind: Failing})
	s.Send(Event{Sync: "s", Kind: Recovered})
	wait(t, rc.got) // the second one arrives; the first was not retried
	s.Close(5 * time.Second)
	if len(rc.bodies) != 1 || !strings.Contains(rc.bodies[0], Recovered) {
		t.Fatalf("bodies = %v", rc.bodies)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "HTTP 404") || strings.Contains(logs.String(), "SECRETPART") {
		t.Fatalf("log = %s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
