package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
)

func TestBlocked(t *testing.T) {
	for addr, want := range map[string]bool{
		"169.254.169.254": true, "169.254.0.1": true, "fe80::1": true, "::ffff:169.254.169.254": true,
		"fd00:ec2::254": true, "100.100.100.200": true, "::ffff:100.100.100.200": true, "100.100.100.201": false,
		"127.0.0.1": false, "10.0.0.1": false, "8.8.8.8": false, "::1": false,
	} {
		if got := Blocked(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Blocked(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestDialRefusesMetadata(t *testing.T) {
	c := New(Options{Timeout: 2 * time.Second})
	req, _ := http.NewRequest(http.MethodGet, "http://169.254.169.254/latest/meta-data/", nil)
	_, _, err := c.Do(t.Context(), req)
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("err = %v, want ErrBlockedAddress", err)
	}
	if connector.IsRetryable(err) {
		t.Fatal("a blocked address must not be retried")
	}
}

// A redirect to another host is not followed: the request's headers (an API key) would go there, and
// its answer (an empty list, say) would be taken for the API's. Within the host, redirects are followed.
func TestRedirectsStayOnTheConfiguredHost(t *testing.T) {
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("X-Api-Key")
		w.Write([]byte("[]"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/users", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/users", http.StatusMovedPermanently)
		default:
			w.Write([]byte(`[{"id":1}]`))
		}
	}))
	defer srv.Close()
	c := New(Options{Timeout: 2 * time.Second})
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("X-Api-Key", "KEY-SECRET")
		_, body, err := c.Do(t.Context(), req)
		return body, err
	}
	if _, err := get("/away"); !errors.Is(err, ErrCrossHostRedirect) || connector.IsRetryable(err) || leaked != "" {
		t.Fatalf("redirect to another host: err %v (retryable %v), key sent there %q", err, connector.IsRetryable(err), leaked)
	}
	if body, err := get("/moved"); err != nil || string(body) != `[{"id":1}]` {
		t.Fatalf("redirect within the host: %s, %v", body, err)
	}
}

// A request cut off by its context (a write_timeout) may have arrived: its error is transient, so that
// the engine treats its outcome as unknown.
func TestRequestCutOffByItsContextIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
	}))
	defer srv.Close()
	c := New(Options{Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	if _, _, err := c.Do(ctx, req); err == nil || !connector.IsRetryable(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}

func TestStatusErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/429":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/503":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/400":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"bad email"}`))
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	c := New(Options{MaxResponseBytes: 1024})
	get := func(path string) error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		_, _, err := c.Do(t.Context(), req)
		return err
	}
	if err := get("/ok"); err != nil {
		t.Fatal(err)
	}
	err := get("/429")
	if d, ok := connector.RetryAfterOf(err); !ok || d != 7*time.Second || !connector.IsRetryable(err) {
		t.Fatalf("429: %v (retry after %v %v)", err, d, ok)
	}
	if err := get("/503"); !connector.IsRetryable(err) {
		t.Fatalf("503 not retryable: %v", err)
	}
	if err := get("/400"); err == nil || connector.IsRetryable(err) || !strings.Contains(err.Error(), "bad email") {
		t.Fatalf("400: %v", err)
	}
	if err := get("/big"); err == nil || !strings.Contains(err.Error(), "cap") {
		t.Fatalf("oversized body: %v", err)
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}
	if d, ok := RetryAfter(h, now); !ok || d != 90*time.Second {
		t.Fatalf("RetryAfter = %v %v", d, ok)
	}
}

// A replacement error is retried exactly when the original would have been, after the same wait.
func TestReclassify(t *testing.T) {
	next := errors.New("replacement")
	tests := []struct {
		name      string
		err       error
		retryable bool
		after     time.Duration
	}{
		{"permanent", errors.New("400"), false, 0},
		{"transient", connector.Transient(errors.New("502")), true, 0},
		{"transient with Retry-After", connector.TransientAfter(errors.New("429"), 7*time.Second), true, 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Reclassify(tt.err, next)
			if !errors.Is(got, next) || got.Error() != "replacement" {
				t.Fatalf("Reclassify = %v, want the replacement", got)
			}
			d, _ := connector.RetryAfterOf(got)
			if connector.IsRetryable(got) != tt.retryable || d != tt.after {
				t.Errorf("retryable %t after %v, want %t after %v", connector.IsRetryable(got), d, tt.retryable, tt.after)
			}
		})
	}
}
