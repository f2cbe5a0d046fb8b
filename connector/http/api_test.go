package http

import (
	"context"
	nethttp "net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// GETs are retried after transient failures with exponential waits, up to Retries; a Retry-After
// beyond MaxWait is returned at once; other methods are sent once.
func TestAPIRetries(t *testing.T) {
	var calls atomic.Int32
	status := nethttp.StatusBadGateway
	retryAfter := ""
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		calls.Add(1)
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
	})
	api, err := NewAPI(srv.URL, Auth{}, httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	var waits []time.Duration
	api.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	api.Retries = 3

	_, _, err = api.Do(t.Context(), nethttp.MethodGet, api.URL("/x", nil), nil, nil)
	if !connector.IsRetryable(err) || calls.Load() != 4 {
		t.Errorf("GET: %v after %d calls, want a transient error after 4", err, calls.Load())
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}

	calls.Store(0)
	_, _, err = api.Do(t.Context(), nethttp.MethodPost, api.URL("/x", nil), []byte(`{}`), nil)
	if !connector.IsRetryable(err) || calls.Load() != 1 {
		t.Errorf("POST: %v after %d calls, want one call", err, calls.Load())
	}

	calls.Store(0)
	status, retryAfter = nethttp.StatusTooManyRequests, "3600"
	_, _, err = api.Do(t.Context(), nethttp.MethodGet, api.URL("/x", nil), nil, nil)
	if d, ok := connector.RetryAfterOf(err); !ok || d != time.Hour || calls.Load() != 1 {
		t.Errorf("Retry-After of an hour: %v after %d calls, want it returned at once", err, calls.Load())
	}
}

// A Throttle pause delays the next request by what it asked, once.
func TestAPIThrottlePause(t *testing.T) {
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) { w.Write([]byte(`[]`)) })
	api, err := NewAPI(srv.URL, Auth{}, httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var waits []time.Duration
	api.Now = func() time.Time { return now }
	api.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); now = now.Add(d); return nil }
	pause := 2 * time.Second
	api.Throttle = func(*nethttp.Response) time.Duration { p := pause; pause = 0; return p }
	for range 3 {
		if _, _, err := api.GetJSON(t.Context(), api.URL("/", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(waits, []time.Duration{2 * time.Second}) {
		t.Errorf("waits %v, want one pause of 2s before the second request", waits)
	}
}

func TestAPIFollow(t *testing.T) {
	api, err := NewAPI("https://api.example.com/v1", Auth{}, httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	from := api.URL("/items", nil)
	for ref, want := range map[string]string{
		"https://api.example.com/v1/items?page=2": "https://api.example.com/v1/items?page=2",
		"/services/data/v59.0/query/01g-2000":     "https://api.example.com/services/data/v59.0/query/01g-2000",
		"items?page=3":                            "https://api.example.com/v1/items?page=3",
	} {
		u, err := api.Follow(ref, from)
		if err != nil || u.String() != want {
			t.Errorf("Follow(%s) = %v, %v; want %s", ref, u, err, want)
		}
	}
	for _, ref := range []string{"http://api.example.com/v1/items", "https://evil.example/v1/items", "//evil.example/x"} {
		if u, err := api.Follow(ref, from); err == nil {
			t.Errorf("Follow(%s) = %v, want refused", ref, u)
		}
	}
	if got := api.URL("/employees/", nil).String(); got != "https://api.example.com/v1/employees/" {
		t.Errorf("URL keeps a trailing slash: %s", got)
	}
}
