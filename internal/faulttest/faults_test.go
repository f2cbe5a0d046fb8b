package faulttest

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/engine"
)

// noLeaks checks, when the test and its cleanups are done, that no goroutine it started is left: not the
// engine's, not pgx's, not Toxiproxy's (stopping the proxy closes every link, which ends its goroutines).
// Call it first, so that its cleanup runs last.
func noLeaks(t *testing.T, also ...goleak.Option) {
	opts := append([]goleak.Option{goleak.IgnoreCurrent()}, also...)
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// resetLeaks ignores the goroutines Toxiproxy itself leaks on a reset: the reset_peer toxic closes its
// stub and returns, and what is before it on the link (the link's reader, the hidden noop toxic, the
// bandwidth cap) blocks for ever sending the next chunk into its input, which nobody reads any more. They
// are Toxiproxy's goroutines blocked on Toxiproxy's channels, whatever oneway does; only those three top
// functions are ignored, so a goroutine of oneway or pgx left behind is still caught.
var resetLeaks = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/Shopify/toxiproxy/v2/stream.(*ChanWriter).Write"), // the link's reader
	goleak.IgnoreTopFunction("github.com/Shopify/toxiproxy/v2/toxics.(*NoopToxic).Pipe"),
	goleak.IgnoreTopFunction("github.com/Shopify/toxiproxy/v2/toxics.(*BandwidthToxic).Pipe"),
}

// Toxics, as Toxiproxy's JSON. Upstream is oneway -> PostgreSQL, downstream the way back.
const (
	latencyUp   = `{"name": "latency_up", "type": "latency", "stream": "upstream", "attributes": {"latency": 20, "jitter": 10}}`
	latencyDown = `{"name": "latency_down", "type": "latency", "stream": "downstream", "attributes": {"latency": 20, "jitter": 10}}`
	// 256 KB/s makes a batch of 500 rows (~70 KB of COPY data) take about a quarter of a second to send.
	bandwidthUp   = `{"name": "bandwidth_up", "type": "bandwidth", "stream": "upstream", "attributes": {"rate": 256}}`
	bandwidthDown = `{"name": "bandwidth_down", "type": "bandwidth", "stream": "downstream", "attributes": {"rate": 256}}`
	// A reset_peer toxic that does nothing yet (toxicity 0) but is on every link from its start, so that
	// Toxiproxy sets SO_LINGER 0 on the link's sockets: armed (toxicity 1), it takes the next chunk of data
	// and closes both sockets with a TCP RST.
	resetPeer = `{"name": "reset", "type": "reset_peer", "stream": "upstream", "toxicity": 0, "attributes": {"timeout": 0}}`
	// The server's answers are dropped, and the connection closed after 1 s of silence.
	timeout = `{"name": "timeout", "type": "timeout", "stream": "downstream", "attributes": {"timeout": 1000}}`
	// The server's answers are dropped and the connection never closed: a network partition.
	blackHole = `{"name": "blackhole", "type": "timeout", "stream": "downstream", "attributes": {"timeout": 0}}`
)

// faultCase is a fault to sync through.
type faultCase struct {
	name   string
	toxics []string // for the whole of the faulty runs
	// mid, if not nil, returns the fault injected after the first acknowledged batch of each faulty run,
	// and its end, which comes after hold.
	mid  func(p *proxy) (start, stop func())
	hold time.Duration
	// breaks: the fault breaks connections, so the runs must retry transient errors.
	breaks bool
	leaks  []goleak.Option // Toxiproxy's own leaks, see resetLeaks
}

// toxicFor injects a toxic mid-run and removes it after the hold.
func toxicFor(toxic string) func(p *proxy) (start, stop func()) {
	return func(p *proxy) (func(), func()) {
		return func() { p.add(toxic) }, func() { p.remove(toxicNameOf(toxic)) }
	}
}

// TestFaults syncs through each fault twice (the first run creates everything; the second, after the
// source changed, creates, updates and deletes), then removes the faults and runs again until nothing is
// left to do: the target must then be an exact copy. Faults that break connections must show as retried
// transient errors, and since each one is brief or lets work through, the retries within a run absorb
// them: the faulty runs succeed too.
func TestFaults(t *testing.T) {
	rows := envInt("ONEWAY_FAULT_ROWS", 5_000)
	for _, tc := range []faultCase{
		{name: "latency", toxics: []string{latencyUp, latencyDown}},
		{name: "bandwidth", toxics: []string{bandwidthUp, bandwidthDown}},
		{name: "reset_peer mid-batch", toxics: []string{bandwidthUp, resetPeer}, breaks: true, hold: 300 * time.Millisecond, leaks: resetLeaks,
			mid: func(p *proxy) (func(), func()) {
				return func() { p.update("reset", `{"toxicity": 1}`) }, func() { p.update("reset", `{"toxicity": 0}`) }
			}},
		{name: "timeout", toxics: []string{bandwidthUp}, mid: toxicFor(timeout), hold: 2500 * time.Millisecond, breaks: true},
		{name: "black hole", toxics: []string{bandwidthUp}, mid: toxicFor(blackHole), hold: 3 * time.Second, breaks: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t, tc.leaks...)
			f := newFixture(t, rows, false)
			rng := rand.New(rand.NewPCG(uint64(rows), 7))
			for _, tx := range tc.toxics {
				f.proxy.add(tx)
			}
			for i := 1; i <= 2; i++ {
				if i == 2 {
					f.db.MutateItems(t, rng, "source_items", rows/5, true)
				}
				var progress engine.Progress
				var mid *midRun
				if tc.mid != nil {
					start, stop := tc.mid(f.proxy)
					// A batch takes ~250 ms to send: 100 ms after an acknowledgement, the next one is
					// on its way.
					mid = &midRun{delay: 100 * time.Millisecond, hold: tc.hold, start: start, stop: stop}
					progress = mid
				}
				began := time.Now()
				r := f.run(progress)
				if mid != nil {
					mid.wait()
				}
				t.Logf("faulty run %d: %s in %v, create %d, update %d, delete %d, failed %d, retries so far %d %s",
					i, r.Status, time.Since(began).Round(time.Millisecond), r.Create, r.Update, r.Delete, r.Failed, f.retries(), r.Error)
				if r.Status != engine.StatusOK || r.Failed != 0 {
					t.Errorf("faulty run %d: %s, %d failed: %s", i, r.Status, r.Failed, r.Error)
				}
			}
			if n := f.retries(); tc.breaks && n == 0 {
				t.Errorf("no transient failure was retried")
			} else if n > 0 {
				t.Logf("%d retries, the first: %s", n, f.logs.lines("transient failure, retrying")[0])
			}
			f.proxy.heal()
			f.converge()
		})
	}
}

// TestBlipAsWritingBegins refuses connections to the target for 400 ms from the moment the read ends,
// which is when the engine opens the target's writer: a transient failure like any other, which the
// retries within the run should absorb.
func TestBlipAsWritingBegins(t *testing.T) {
	noLeaks(t)
	rows := envInt("ONEWAY_FAULT_ROWS", 5_000)
	f := newFixture(t, rows, false)
	blip := &readEnd{rows: rows, at: func() {
		f.proxy.down()
		time.AfterFunc(400*time.Millisecond, f.proxy.up)
	}}
	r := f.run(blip)
	time.Sleep(500 * time.Millisecond) // the proxy is up again
	t.Logf("run whose target refused connections for 400 ms as writing began: %s, retries %d: %s", r.Status, f.retries(), r.Error)
	if r.Status != engine.StatusOK {
		t.Errorf("a 400 ms outage as the writer opened failed the run (%s) instead of being retried: %s", r.Status, r.Error)
	}
	f.converge()
}

// readEnd is an engine.Progress that calls at, in the engine's goroutine, when the read reached rows
// records: the read is over, and the writes are about to begin.
type readEnd struct {
	rows int
	at   func()
	once sync.Once
}

func (p *readEnd) Read(_ string, n int) {
	if n >= p.rows {
		p.once.Do(p.at)
	}
}

func (p *readEnd) Applied(string, string, int, int) {}
