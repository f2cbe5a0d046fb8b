package greenhouse

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "harvest-key-8d1f0c"

// clock is the sandbox's clock; the connector's waits advance it instead of sleeping, so rate-limit
// windows pass without the test waiting.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return nil
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// start runs the sandbox Harvest API (rate limit off unless opts sets one) with a user 7 to write on
// behalf of.
func start(t *testing.T, opts gh.Options) (*gh.Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if opts.Token == "" {
		opts.Token = token
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	opts.Now = clk.Now
	srv, err := gh.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	srv.AddUser(gh.User{ID: 7, FirstName: "Rita", LastName: "Recruiter", Email: "rita@example.com"})
	return srv, clk
}

// open connects to srv with the given token, its waits going through clk.
func open(t *testing.T, srv *gh.Server, clk *clock, tok string) *Conn {
	t.Helper()
	c, err := New(connector.Settings{"token": tok, "url": srv.URL() + "/v1", "on_behalf_of": int64(7)}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readAll reads r to the end with batches of at most size records.
func readAll(t *testing.T, r connector.Reader, size int) []connector.Record {
	t.Helper()
	defer r.Close()
	var out []connector.Record
	for {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(out), err)
		}
		if size > 0 && len(batch) > size {
			t.Fatalf("batch of %d records, BatchSize %d", len(batch), size)
		}
		out = append(out, batch...)
	}
}

// readErr reads r until an error and returns it; a read that ends with io.EOF fails the test.
func readErr(t *testing.T, r connector.Reader) error {
	t.Helper()
	defer r.Close()
	for {
		_, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			t.Fatal("the read completed; want an error")
		}
		if err != nil {
			return err
		}
	}
}

func applyOne(t *testing.T, w connector.Writer, ch connector.Change) connector.Result {
	t.Helper()
	res, err := w.Apply(t.Context(), []connector.Change{ch})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(res) != 1 {
		t.Fatalf("Apply returned %d results for 1 change", len(res))
	}
	return res[0]
}
