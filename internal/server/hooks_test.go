package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/internal/schedule"
	"github.com/onewaysync/oneway/internal/webhook"
)

const hookConfig = `
connections:
  src: {kind: memory}
  dst: {kind: memory}
syncs:
  - name: s
    webhook: {secret: hook-secret, debounce: 2s}
    source: {connection: src, stream: people, key: [id]}
    targets:
      - {connection: dst, stream: staff, key: [id], create_table: true}
  - name: plain
    source: {connection: src, stream: people, key: [id]}
    targets:
      - {connection: dst, stream: other, key: [id], create_table: true}
`

func signed(f *fixture, clock *schedule.Fake, body, delivery string, age time.Duration, secret string) *http.Response {
	ts := clock.Now().Add(-age).Unix()
	return f.do("POST", "/hooks/s", strings.NewReader(body),
		webhook.SignatureHeader, webhook.Sign(secret, ts, []byte(body)),
		webhook.TimestampHeader, strconv.FormatInt(ts, 10),
		webhook.DeliveryHeader, delivery)
}

func TestWebhooks(t *testing.T) {
	clock := schedule.NewFake(time.Now().UTC().Truncate(time.Second))
	f := newFixture(t, hookConfig, withClock(clock))
	f.people(3, "")
	runs := func() int { return len(f.ledgerRuns("s", "dst/staff")) }
	body := `{"action":"candidate_hired","payload":{"application":{"id":1}}}`

	// Refused: nothing runs, no window opens.
	refused := []struct {
		name string
		resp *http.Response
		want int
	}{
		{"bad signature", signed(f, clock, body, "d-0", 0, "wrong-secret"), http.StatusUnauthorized},
		{"stale", signed(f, clock, body, "d-0", 301*time.Second, "hook-secret"), http.StatusUnauthorized},
		{"unsigned", f.do("POST", "/hooks/s", strings.NewReader(body)), http.StatusUnauthorized},
		{"sync without webhook", f.do("POST", "/hooks/plain", strings.NewReader(body)), http.StatusNotFound},
		{"unknown sync", f.do("POST", "/hooks/nope", strings.NewReader(body)), http.StatusNotFound},
		{"GET", f.do("GET", "/hooks/s", nil), http.StatusMethodNotAllowed},
	}
	for _, r := range refused {
		r.resp.Body.Close()
		if r.resp.StatusCode != r.want {
			t.Errorf("%s: status %d, want %d", r.name, r.resp.StatusCode, r.want)
		}
	}
	if clock.Timers() != 0 {
		t.Fatal("a refused hook opened a debounce window")
	}

	// Three verified hooks within the window: one run, after the window.
	first := decode[map[string]any](t, signed(f, clock, body, "d-1", 0, "hook-secret"), http.StatusAccepted)
	if first["joined"] != false {
		t.Fatalf("first hook = %v", first)
	}
	clock.Advance(time.Second)
	if j := decode[map[string]any](t, signed(f, clock, body, "d-2", 0, "hook-secret"), http.StatusAccepted); j["joined"] != true {
		t.Fatalf("second hook = %v", j)
	}
	decode[map[string]any](t, signed(f, clock, body, "d-3", 4*time.Minute, "hook-secret"), http.StatusAccepted) // 4 minutes old: still fine
	if runs() != 0 {
		t.Fatal("a run started before the debounce window closed")
	}
	clock.Advance(time.Second)
	eventually(t, "the debounced run", func() bool { return runs() == 1 && len(f.mem.Records("staff")) == 3 })

	// A replayed delivery: 409, nothing runs.
	if resp := signed(f, clock, body, "d-2", 0, "hook-secret"); resp.StatusCode != http.StatusConflict {
		t.Fatalf("replay: %d", resp.StatusCode)
	}
	if clock.Timers() != 0 {
		t.Fatal("a replay opened a window")
	}

	// Greenhouse's scheme, and its replay.
	gh := `{"action":"hire_candidate","payload":{"application":{"id":2}}}`
	ghSig := webhook.SignGreenhouse("hook-secret", []byte(gh))
	if resp := f.do("POST", "/hooks/s", strings.NewReader(gh), webhook.GreenhouseSignatureHeader, ghSig); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("greenhouse hook: %d %s", resp.StatusCode, body2(t, resp))
	}
	if resp := f.do("POST", "/hooks/s", strings.NewReader(gh), webhook.GreenhouseSignatureHeader, ghSig); resp.StatusCode != http.StatusConflict {
		t.Fatalf("greenhouse replay: %d", resp.StatusCode)
	}
	if resp := f.do("POST", "/hooks/s", strings.NewReader(gh+" "), webhook.GreenhouseSignatureHeader, ghSig); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("greenhouse body changed: %d", resp.StatusCode)
	}
	if err := clock.WaitTimers(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	eventually(t, "the run after the Greenhouse hook", func() bool { return runs() == 2 })

	// Greenhouse's ping when a hook is set up: acknowledged, no run.
	ping := `{"action":"ping","payload":{"web_hook_id":1}}`
	if resp := f.do("POST", "/hooks/s", strings.NewReader(ping), webhook.GreenhouseSignatureHeader, webhook.SignGreenhouse("hook-secret", []byte(ping))); resp.StatusCode != http.StatusOK {
		t.Fatalf("ping: %d", resp.StatusCode)
	}
	time.Sleep(20 * time.Millisecond)
	if clock.Timers() != 0 || runs() != 2 {
		t.Fatalf("ping started something: timers %d, runs %d", clock.Timers(), runs())
	}
}

func body2(t *testing.T, r *http.Response) string { return body(t, r) }

// A hook answered 202 leads to a run even when SIGTERM comes before its debounce window closes: the
// window ends early and its run gets the shutdown grace, instead of being dropped while the sender,
// told "accepted", never retries.
func TestAcceptedHookRunsAtShutdown(t *testing.T) {
	clock := schedule.NewFake(time.Now().UTC().Truncate(time.Second))
	f := newFixture(t, strings.Replace(hookConfig, "debounce: 2s", "debounce: 1h", 1), withClock(clock))
	f.people(3, "")
	_, stop := f.serve(context.Background())
	body := `{"action":"candidate_hired","payload":{"application":{"id":1}}}`
	decode[map[string]any](t, signed(f, clock, body, "d-1", 0, "hook-secret"), http.StatusAccepted)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if runs := f.ledgerRuns("s", "dst/staff"); len(runs) != 1 || len(f.mem.Records("staff")) != 3 {
		t.Fatalf("after shutdown: %d runs, %d records in the target; want the accepted hook's run", len(runs), len(f.mem.Records("staff")))
	}
	if resp := signed(f, clock, body, "d-2", 0, "hook-secret"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a hook after shutdown: %d, want 503", resp.StatusCode)
	}
}
