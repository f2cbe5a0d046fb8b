package salesforce

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	sf "github.com/onewaysync/oneway/internal/sandbox/salesforce"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const accessToken = "00Dxx0000001gPL!AQ4AQFw.sandbox"

var leadFields = []any{"Id", "FirstName", "LastName", "Title", "Company", "LeadSource", "Email", "CreatedDate"}

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

func start(t *testing.T, opts sf.Options) (*sf.Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opts.AccessToken = accessToken
	opts.Now = clk.Now
	srv, err := sf.New(context.Background(), opts)
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

// open connects to srv with the Lead stream configured by lead (fields and the like) and token.
func open(t *testing.T, srv *sf.Server, clk *clock, token string, lead map[string]any) *Conn {
	t.Helper()
	if lead == nil {
		lead = map[string]any{"fields": leadFields}
	}
	c, err := New(connector.Settings{
		"instance_url": srv.URL(), "token": token, "api_version": "v" + srv.APIVersion(),
		"streams": map[string]any{"Lead": lead},
	}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	t.Cleanup(func() { conn.Close() })
	return conn
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

func cursorRead(t *testing.T, c *Conn, from []any) []connector.Record {
	t.Helper()
	r, err := c.ReadCursor(t.Context(), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}, BatchSize: 4},
		Cursor:      []string{"SystemModstamp"}, From: from,
	})
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, r, 4)
}
