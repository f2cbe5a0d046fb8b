package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// api is a JSON API for the pagination tests: /items serves ids 1..n in pages whose shape the test's
// handler decides.
func serve(t *testing.T, h nethttp.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func openConn(t *testing.T, s connector.Settings) connector.Conn {
	t.Helper()
	c, err := New(s, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Waits are recorded, not slept.
	c.(interface{ API() *API }).API().Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return c
}

func conn(c connector.Conn) *Conn {
	if cc, ok := c.(*CursorConn); ok {
		return cc.Conn
	}
	return c.(*Conn)
}

func readAllRecs(t *testing.T, c connector.Conn, stream string, batch int) []connector.Record {
	t.Helper()
	r, err := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: stream, Key: []string{"id"}, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []connector.Record
	for {
		b, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(out), err)
		}
		out = append(out, b...)
	}
}

func ids(recs []connector.Record) string {
	var b strings.Builder
	for i, r := range recs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, r["id"])
	}
	return b.String()
}

func page(from, to int) string {
	var items []string
	for i := from; i <= to; i++ {
		items = append(items, fmt.Sprintf(`{"id":%d}`, i))
	}
	return "[" + strings.Join(items, ",") + "]"
}

// Each pagination type reads 1..23 across pages and stops where its API says the collection ends.
func TestPaginationTypes(t *testing.T) {
	const n = 23
	for _, tc := range []struct {
		name       string
		pagination map[string]any
		records    string
		handler    func(w nethttp.ResponseWriter, q url.Values)
	}{
		{"page", map[string]any{"type": "page", "size_param": "per_page", "size": int64(10)}, "", func(w nethttp.ResponseWriter, q url.Values) {
			p, _ := strconv.Atoi(q.Get("page"))
			lo := (p-1)*10 + 1
			fmt.Fprint(w, page(lo, min(lo+9, n)))
		}},
		{"page capped below the size asked", map[string]any{"type": "page", "size_param": "per_page", "size": int64(10)}, "", func(w nethttp.ResponseWriter, q url.Values) {
			p, _ := strconv.Atoi(q.Get("page")) // the API serves 4 per page whatever is asked
			lo := (p-1)*4 + 1
			fmt.Fprint(w, page(lo, min(lo+3, n)))
		}},
		{"page from 0", map[string]any{"type": "page", "param": "p", "start": int64(0)}, "results", func(w nethttp.ResponseWriter, q url.Values) {
			p, _ := strconv.Atoi(q.Get("p"))
			lo := p*5 + 1
			fmt.Fprintf(w, `{"results": %s}`, page(lo, min(lo+4, n)))
		}},
		{"offset", map[string]any{"type": "offset", "size_param": "limit", "size": int64(7)}, "data", func(w nethttp.ResponseWriter, q url.Values) {
			off, _ := strconv.Atoi(q.Get("offset"))
			fmt.Fprintf(w, `{"data": %s}`, page(off+1, min(off+7, n)))
		}},
		{"cursor", map[string]any{"type": "cursor", "cursor_path": "meta.next", "next_param": "after"}, "data.items", func(w nethttp.ResponseWriter, q url.Values) {
			after, _ := strconv.Atoi(q.Get("after"))
			hi := min(after+6, n)
			next := "null"
			if hi < n {
				next = strconv.Quote(strconv.Itoa(hi))
			}
			fmt.Fprintf(w, `{"data": {"items": %s}, "meta": {"next": %s}}`, page(after+1, hi), next)
		}},
		{"link header", map[string]any{"type": "link"}, "", func(w nethttp.ResponseWriter, q url.Values) {
			from, _ := strconv.Atoi(q.Get("from"))
			from = max(from, 1)
			if from+9 < n {
				w.Header().Set("Link", fmt.Sprintf(`</api/items?status=active&from=%d>; rel="next", </api/items?status=active&from=21>; rel="last"`, from+10))
			}
			fmt.Fprint(w, page(from, min(from+9, n)))
		}},
		{"link in the body", map[string]any{"type": "link", "next_path": "next"}, "records", func(w nethttp.ResponseWriter, q url.Values) {
			from, _ := strconv.Atoi(q.Get("from"))
			from = max(from, 1)
			next := ""
			if from+9 < n {
				next = fmt.Sprintf(`, "next": "items?status=active&from=%d"`, from+10) // relative to the request
			}
			fmt.Fprintf(w, `{"records": %s%s}`, page(from, min(from+9, n)), next)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			requests := 0
			srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				if r.URL.Path != "/api/items" || r.URL.Query().Get("status") != "active" {
					nethttp.NotFound(w, r)
					return
				}
				tc.handler(w, r.URL.Query())
			})
			c := openConn(t, connector.Settings{"url": srv.URL + "/api", "streams": map[string]any{"items": map[string]any{
				"path": "/items", "records": tc.records, "pagination": tc.pagination, "query": map[string]any{"status": "active"},
			}}})
			got := readAllRecs(t, c, "items", 5)
			want := ids(func() []connector.Record {
				var out []connector.Record
				for i := 1; i <= n; i++ {
					out = append(out, connector.Record{"id": int64(i)})
				}
				return out
			}())
			if ids(got) != want {
				t.Errorf("ids %s, want %s", ids(got), want)
			}
			if requests > 8 {
				t.Errorf("%d requests for 23 records", requests)
			}
		})
	}
}

// A next link that leaves the API's host, or points at the page itself, ends the read with an error.
func TestPaginationGuards(t *testing.T) {
	for name, link := range map[string]string{
		"foreign host": `<http://169.254.169.254/latest/meta-data/>; rel="next"`,
		"self":         `</items>; rel="next"`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
				w.Header().Set("Link", link)
				fmt.Fprint(w, page(1, 2))
			})
			c := openConn(t, connector.Settings{"url": srv.URL, "streams": map[string]any{"items": map[string]any{
				"path": "/items", "pagination": map[string]any{"type": "link"}}}})
			r, err := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "items", Key: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for {
				_, err := r.Next(t.Context())
				if errors.Is(err, io.EOF) {
					t.Fatal("the read completed")
				}
				if err != nil {
					break
				}
			}
		})
	}
}

// Auth settings reach the server; a 401 is permanent and the token is in no error; a 429 with
// Retry-After is retried by reads after the wait it asks for; a 404 of the collection fails the read.
func TestAuthAndStatuses(t *testing.T) {
	const token = "s3cr3t-bearer-token"
	var mu sync.Mutex
	throttled := 2
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Header.Get("X-Tenant") != "acme":
			w.WriteHeader(nethttp.StatusBadRequest)
		case r.Header.Get("Authorization") != "Bearer "+token:
			nethttp.Error(w, `{"error":"invalid token"}`, nethttp.StatusUnauthorized)
		case r.URL.Path == "/missing":
			nethttp.NotFound(w, r)
		case throttled > 0:
			throttled--
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(nethttp.StatusTooManyRequests)
		default:
			fmt.Fprint(w, page(1, 3))
		}
	})
	streams := map[string]any{"items": map[string]any{"path": "/items"}, "missing": map[string]any{"path": "/missing"}}
	c := openConn(t, connector.Settings{"url": srv.URL, "bearer": token, "headers": map[string]any{"X-Tenant": "acme"}, "streams": streams})
	var waits []time.Duration
	conn(c).api.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	if got := readAllRecs(t, c, "items", 0); ids(got) != "1,2,3" {
		t.Errorf("read %s after two 429s", ids(got))
	}
	if len(waits) != 2 || waits[0] != 3*time.Second {
		t.Errorf("waits %v, want two of 3s", waits)
	}
	if fmt.Sprint(conn(c).api.Auth) != "bearer auth (redacted)" || strings.Contains(fmt.Sprintf("%#v", conn(c).api), token) {
		t.Error("printing the API shows the token")
	}

	readFail := func(c connector.Conn, stream string) error {
		r, err := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: stream})
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = r.Next(t.Context())
		if err == nil || errors.Is(err, io.EOF) {
			t.Fatalf("read of %s: %v, want an error", stream, err)
		}
		return err
	}
	if err := readFail(c, "missing"); connector.IsRetryable(err) || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing collection: %v", err)
	}
	bad := openConn(t, connector.Settings{"url": srv.URL, "bearer": "wrong-" + token, "headers": map[string]any{"X-Tenant": "acme"}, "streams": streams})
	err := readFail(bad, "items")
	if connector.IsRetryable(err) || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), token) {
		t.Errorf("bad token: %v", err)
	}
	basic := openConn(t, connector.Settings{"url": srv.URL, "basic": map[string]any{"username": "u", "password": token}, "streams": streams})
	if err := readFail(basic, "items"); strings.Contains(err.Error(), token) {
		t.Errorf("basic auth error shows the password: %v", err)
	}
}

// updated_since sends the position's time in the configured format; records come sorted by (cursor,
// key) from the position, records without the field first, the field a time in every read.
func TestReadCursorUpdatedSince(t *testing.T) {
	var gotSince []string
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		gotSince = append(gotSince, r.URL.Query().Get("modified_after"))
		fmt.Fprint(w, `{"users": [
			{"id": 3, "modified": "2026-01-01T10:00:00Z"}, {"id": 1, "modified": "2026-01-01T11:00:00Z"},
			{"id": 2, "modified": "2026-01-01T10:00:00Z"}, {"id": 4, "modified": null}]}`)
	})
	c := openConn(t, connector.Settings{"url": srv.URL, "streams": map[string]any{"users": map[string]any{
		"path": "/users", "records": "users",
		"updated_since": map[string]any{"param": "modified_after", "field": "modified", "format": "unix"},
	}}})
	cs, ok := c.(connector.CursorSource)
	if !ok {
		t.Fatal("a connection with updated_since is not a CursorSource")
	}
	at10 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	r, err := cs.ReadCursor(t.Context(), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "users", Key: []string{"id"}, BatchSize: 2},
		Cursor:      []string{"modified"}, From: []any{at10, int64(3)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []connector.Record
	for {
		b, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	r.Close()
	if ids(got) != "4,3,1" {
		t.Errorf("cursor read ids %s, want 4,3,1 (null first, then from (10:00, 3))", ids(got))
	}
	if gotSince[0] != strconv.FormatInt(at10.Unix(), 10) {
		t.Errorf("modified_after = %q, want unix seconds %d", gotSince[0], at10.Unix())
	}
	if _, ok := got[1]["modified"].(time.Time); !ok {
		t.Errorf("modified is %T, want time.Time", got[1]["modified"])
	}
	snap := readAllRecs(t, c, "users", 0)
	if _, ok := snap[0]["modified"].(time.Time); !ok {
		t.Errorf("snapshot: modified is %T, want time.Time as in cursor reads", snap[0]["modified"])
	}
	_, err = cs.ReadCursor(t.Context(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "users"}, Cursor: []string{"updated_at"}})
	if err == nil || !strings.Contains(err.Error(), "modified") {
		t.Errorf("cursor on another field: %v", err)
	}

	plain := openConn(t, connector.Settings{"url": srv.URL, "streams": map[string]any{"users": map[string]any{"path": "/users", "records": "users"}}})
	if _, ok := plain.(connector.CursorSource); ok {
		t.Error("a connection without updated_since is a CursorSource")
	}
}

// A response over max_response_bytes fails the read rather than being cut; the link-local guard is
// on by default.
func TestResponseCapAndLinkLocal(t *testing.T) {
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) { fmt.Fprint(w, page(1, 500)) })
	c := openConn(t, connector.Settings{"url": srv.URL, "max_response_bytes": int64(1000), "streams": map[string]any{"items": map[string]any{"path": "/items"}}})
	r, _ := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "items"})
	if _, err := r.Next(t.Context()); err == nil || !strings.Contains(err.Error(), "cap") {
		t.Errorf("oversized response: %v", err)
	}
	r.Close()

	meta := openConn(t, connector.Settings{"url": "http://169.254.169.254", "timeout": "2s", "streams": map[string]any{"items": map[string]any{"path": "/latest"}}})
	r, _ = meta.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "items"})
	if _, err := r.Next(t.Context()); err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Errorf("metadata address: %v, want it refused", err)
	}
	r.Close()
}

func TestSettings(t *testing.T) {
	for name, s := range map[string]connector.Settings{
		"no url":          {},
		"bad url":         {"url": "localhost:8080"},
		"query in url":    {"url": "https://x/api?key=1"},
		"bearer & basic":  {"url": "https://x", "bearer": "t", "basic": map[string]any{"username": "u"}},
		"basic no user":   {"url": "https://x", "basic": map[string]any{"password": "p"}},
		"unknown":         {"url": "https://x", "token": "t"},
		"stream no path":  {"url": "https://x", "streams": map[string]any{"a": map[string]any{"records": "x"}}},
		"query in path":   {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a?b=c"}}},
		"pagination type": {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "pagination": map[string]any{"type": "pages"}}}},
		"cursor no path":  {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "pagination": map[string]any{"type": "cursor"}}}},
		"size no param":   {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "pagination": map[string]any{"type": "page", "size": int64(5)}}}},
		"since no param":  {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "updated_since": map[string]any{"field": "u"}}}},
		"since format":    {"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "updated_since": map[string]any{"param": "p", "format": "iso"}}}},
		"timeout":         {"url": "https://x", "timeout": "-1s"},
	} {
		if c, err := New(s, connector.Env{}); err == nil {
			c.Close()
			t.Errorf("%s: New accepted %v", name, s)
		}
	}
	_, err := New(connector.Settings{"url": "https://x", "streams": map[string]any{"a": map[string]any{"path": "/a", "pagination": map[string]any{"type": "pages"}}}}, connector.Env{})
	var se *connector.SettingError
	if !errors.As(err, &se) || se.Key != "streams.a.pagination.type" {
		t.Errorf("error %v, want a SettingError at streams.a.pagination.type", err)
	}
}

// An API that ignores the page or offset parameter serves its first page again and again; the reader's
// de-duplication hid the repeats and the read never ended. It now fails on the repeated page.
func TestPaginationIgnoredByTheAPIFailsTheRead(t *testing.T) {
	for _, typ := range []string{"page", "offset"} {
		t.Run(typ, func(t *testing.T) {
			srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) { fmt.Fprint(w, page(1, 2)) })
			c := openConn(t, connector.Settings{"url": srv.URL, "streams": map[string]any{"items": map[string]any{
				"path": "/items", "pagination": map[string]any{"type": typ}}}})
			r, err := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "items", Key: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for range 100 {
				_, err := r.Next(t.Context())
				if errors.Is(err, io.EOF) {
					t.Fatal("the read completed")
				}
				if err != nil {
					if !strings.Contains(err.Error(), "same records") {
						t.Fatalf("err = %v", err)
					}
					return
				}
			}
			t.Fatal("the read went on past 100 batches of the same page")
		})
	}
}
