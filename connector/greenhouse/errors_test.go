package greenhouse

import (
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
)

// A 429 with Retry-After is waited out (as long as it asks) and the read completes; a throttle that
// outlasts the retries fails the read with a transient error that carries the wait.
func TestThrottledReadRetriesAfterRetryAfter(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	seedCandidates(srv, 3, func(int) time.Time { return clk.Now() })
	c := open(t, srv, clk, token)

	srv.Faults.Throttle(2, 3*time.Second)
	if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "candidates", Key: []string{"id"}}); len(got) != 3 {
		t.Fatalf("read %d candidates after throttling, want 3", len(got))
	}
	if s := clk.Sleeps(); len(s) != 2 || s[0] != 3*time.Second || s[1] != 3*time.Second {
		t.Errorf("waits %v, want two of 3s (the Retry-After)", s)
	}

	srv.Faults.Throttle(100, 2*time.Second)
	r, err := c.Read(t.Context(), connector.ReadRequest{Stream: "candidates", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	err = connectortest.ReadErr(t, r)
	if !connector.IsRetryable(err) {
		t.Errorf("throttled beyond the retries: %v is not transient", err)
	}
	if d, ok := connector.RetryAfterOf(err); !ok || d != 2*time.Second {
		t.Errorf("RetryAfterOf = %v, %v; want 2s", d, ok)
	}
	srv.Faults.Reset()
}

// X-RateLimit-Remaining reaching 0 pauses the client for Harvest's 10-second window before the next
// request, so that it never draws a 429.
func TestRateLimitHeadersPauseBeforeThrottling(t *testing.T) {
	srv, clk := start(t, gh.Options{RateLimit: 2})
	seedCandidates(srv, 5, func(int) time.Time { return clk.Now() })
	c := open(t, srv, clk, token)
	// Five reads of one page each, two requests allowed per window: requests 2 and 4 use it up.
	for range 5 {
		if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "candidates", Key: []string{"id"}}); len(got) != 5 {
			t.Fatalf("read %d candidates, want 5", len(got))
		}
	}
	if n := srv.Journal.Count("GET", "/v1/candidates"); n != 5 {
		t.Errorf("%d requests for 5 reads: the client drew 429s instead of pausing", n)
	}
	pauses := 0
	for _, d := range clk.Sleeps() {
		if d == 10*time.Second {
			pauses++
		}
	}
	if pauses != 2 {
		t.Errorf("waits %v, want two pauses of 10s (after requests 2 and 4)", clk.Sleeps())
	}
}

// A bad token is a permanent error that never shows the token.
func TestBadTokenIsPermanent(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	const wrong = "not-the-key-5f2e91"
	c := open(t, srv, clk, wrong)
	r, err := c.Read(t.Context(), connector.ReadRequest{Stream: "candidates", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	err = connectortest.ReadErr(t, r)
	if connector.IsRetryable(err) {
		t.Errorf("401 is transient: %v", err)
	}
	if !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q: want the 401 and not the token", err)
	}
	if len(clk.Sleeps()) != 0 {
		t.Errorf("a 401 was retried (waits %v)", clk.Sleeps())
	}
}

// A 5xx burst within the retries is absorbed.
func TestServerErrorsRetried(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	seedCandidates(srv, 2, func(int) time.Time { return clk.Now() })
	c := open(t, srv, clk, token)
	srv.Faults.FailNext(2, 502)
	if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "candidates", Key: []string{"id"}}); len(got) != 2 {
		t.Fatalf("read %d candidates after two 502s, want 2", len(got))
	}
}
