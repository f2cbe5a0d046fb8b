package bamboohr

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	bhr "github.com/onewaysync/oneway/internal/sandbox/bamboohr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const apiKey = "bhr-key-31c9a7e2"

// clock is the sandbox's clock; the connector's waits advance it instead of sleeping.
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

func start(t *testing.T, opts bhr.Options) (*bhr.Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if opts.APIKey == "" {
		opts.APIKey = apiKey
	}
	opts.Now = clk.Now
	srv, err := bhr.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv, clk
}

func open(t *testing.T, srv *bhr.Server, clk *clock, settings connector.Settings) *Conn {
	t.Helper()
	s := connector.Settings{"api_key": apiKey, "url": srv.BaseURL()}
	for k, v := range settings {
		s[k] = v
	}
	c, err := New(s, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	t.Cleanup(func() { conn.Close() })
	return conn
}

func mustAdd(t *testing.T, srv *bhr.Server, fields map[string]string) int {
	t.Helper()
	id, err := srv.AddEmployee(fields)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

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
