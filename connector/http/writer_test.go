package http

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	nethttp "net/http"

	"github.com/onewaysync/oneway/connector"
)

func writerOn(t *testing.T, c connector.Conn, req connector.WriteRequest) connector.Writer {
	t.Helper()
	w, err := c.(connector.Target).OpenWriter(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func apply(t *testing.T, w connector.Writer, batch ...connector.Change) []connector.Result {
	t.Helper()
	res, err := w.Apply(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(batch) {
		t.Fatalf("%d results for %d changes", len(res), len(batch))
	}
	return res
}

// The defaults from the stream's path: POST creates and the server's id comes back from the body's
// id_path, or from the Location header; PATCH updates by that id, 404 being ErrNotFound; DELETE by id,
// 404 being done.
func TestWriterDefaultsFromStream(t *testing.T) {
	st, srv := newStore(t)
	c := openConn(t, connector.Settings{"url": srv.URL, "streams": map[string]any{"users": map[string]any{"path": "/streams/users"}}})
	w := writerOn(t, c, connector.WriteRequest{Stream: "users", Key: []string{"email"},
		Options: connector.Settings{"create": map[string]any{"id_path": "data.id"}}})
	if !w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("a POST create is not idempotent; NonIdempotent() = false")
	}
	rec := connector.Record{"email": "a@x", "name": "Ada", "since": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	res := apply(t, w, connector.Change{Action: connector.Create, Key: []any{"a@x"}, Record: rec})
	if res[0].Err != nil || res[0].ID != "1001" {
		t.Fatalf("create: %+v, want id 1001 from data.id", res[0])
	}
	got := st.records("users")
	if len(got) != 1 || got[0]["name"] != "Ada" || got[0]["since"] != "2026-01-02T03:04:05Z" {
		t.Fatalf("stored %v", got)
	}

	res = apply(t, w,
		connector.Change{Action: connector.Update, Key: []any{"a@x"}, ID: "1001", Record: connector.Record{"name": "Augusta"}},
		connector.Change{Action: connector.Update, Key: []any{"b@x"}, ID: "4242", Record: connector.Record{"name": "Ghost"}},
		connector.Change{Action: connector.SoftDelete, Key: []any{"a@x"}, ID: "1001", Record: connector.Record{"active": false}},
		connector.Change{Action: connector.Delete, Key: []any{"c@x"}, ID: "5555"},
	)
	if res[0].Err != nil || res[0].ID != "1001" {
		t.Errorf("update: %+v", res[0])
	}
	if !errors.Is(res[1].Err, connector.ErrNotFound) {
		t.Errorf("update of an absent record: %v, want ErrNotFound", res[1].Err)
	}
	if res[2].Err != nil || res[3].Err != nil {
		t.Errorf("soft delete: %v; delete of an absent record: %v", res[2].Err, res[3].Err)
	}
	if got := st.records("users"); got[0]["name"] != "Augusta" || got[0]["active"] != false || got[0]["email"] != "a@x" {
		t.Errorf("after update and soft delete: %v", got[0])
	}
	res = apply(t, w, connector.Change{Action: connector.Delete, Key: []any{"a@x"}, ID: "1001"})
	if res[0].Err != nil || len(st.records("users")) != 0 {
		t.Errorf("delete: %v, %d records left", res[0].Err, len(st.records("users")))
	}

	loc := writerOn(t, c, connector.WriteRequest{Stream: "users", Key: []string{"email"}})
	res = apply(t, loc, connector.Change{Action: connector.Create, Key: []any{"d@x"}, Record: connector.Record{"email": "d@x"}})
	if res[0].Err != nil || res[0].ID != "1002" {
		t.Errorf("create without id_path: %+v, want 1002 from the Location header", res[0])
	}
}

// Explicit requests: templates fill {id} from the ledger's id, else from a key field, else from a
// record field, escaped; the body may be wrapped or left out; a missing placeholder value is a
// permanent error for that change only.
func TestWriterTemplates(t *testing.T) {
	type seen struct{ method, uri, body string }
	var got []seen
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
		got = append(got, seen{r.Method, r.URL.RequestURI(), b.String()})
		w.WriteHeader(nethttp.StatusOK)
	})
	c := openConn(t, connector.Settings{"url": srv.URL + "/v2"})
	w := writerOn(t, c, connector.WriteRequest{Stream: "members", Key: []string{"org", "login"}, Options: connector.Settings{
		"create": map[string]any{"method": "put", "path": "/orgs/{org}/members/{login}?notify={notify}", "envelope": "member"},
		"update": map[string]any{"method": "PATCH", "path": "/members/{id}", "body": "record"},
		"delete": map[string]any{"path": "/orgs/{org}/members/{login}"},
	}})
	if w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("a PUT create is idempotent; NonIdempotent() = true")
	}
	res := apply(t, w,
		connector.Change{Action: connector.Create, Key: []any{"acme co", "a/b"}, Record: connector.Record{"notify": true, "role": "admin"}},
		connector.Change{Action: connector.Update, Key: []any{"acme", "x"}, ID: "m-9", Record: connector.Record{"role": "member"}},
		connector.Change{Action: connector.Update, Key: []any{"acme", "y"}, Record: connector.Record{"role": "member"}},
		connector.Change{Action: connector.Delete, Key: []any{"acme", "z"}},
	)
	if res[0].Err != nil || res[1].Err != nil || res[3].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if res[2].Err == nil || !strings.Contains(res[2].Err.Error(), "{id}") || connector.IsRetryable(res[2].Err) {
		t.Errorf("update without an id: %v, want a permanent error naming {id}", res[2].Err)
	}
	want := []seen{
		{"PUT", "/v2/orgs/acme%20co/members/a%2Fb?notify=true", `{"member":{"notify":true,"role":"admin"}}`},
		{"PATCH", "/v2/members/m-9", `{"role":"member"}`},
		{"DELETE", "/v2/orgs/acme/members/z", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("requests %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A 429 stops the batch with the wait; a change whose create answer lacks the id at id_path is an
// error (later updates could not reach it); a 422 is permanent.
func TestWriterFailures(t *testing.T) {
	st, srv := newStore(t)
	calls := 0
	st.hook = func(w nethttp.ResponseWriter, r *nethttp.Request) bool {
		calls++
		switch calls {
		case 2:
			w.Header().Set("Retry-After", "6")
			w.WriteHeader(nethttp.StatusTooManyRequests)
			return true
		case 4:
			w.WriteHeader(nethttp.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]string{"error": "name is required"})
			return true
		}
		return false
	}
	c := openConn(t, connector.Settings{"url": srv.URL})
	w := writerOn(t, c, connector.WriteRequest{Stream: "s", Key: []string{"k"}, Options: connector.Settings{
		"create": map[string]any{"path": "/streams/s", "id_path": "data.uuid"},
	}})
	mk := func(k string) connector.Change {
		return connector.Change{Action: connector.Create, Key: []any{k}, Record: connector.Record{"k": k}}
	}
	res := apply(t, w, mk("a"), mk("b"), mk("c"))
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "data.uuid") {
		t.Errorf("create without the id in the answer: %v", res[0].Err)
	}
	for i := 1; i < 3; i++ {
		if d, ok := connector.RetryAfterOf(res[i].Err); !ok || d != 6*time.Second {
			t.Errorf("change %d: %v, want transient with 6s", i, res[i].Err)
		}
	}
	if calls != 2 {
		t.Errorf("%d requests, want 2: nothing is sent after the 429", calls)
	}
	calls = 3
	res = apply(t, w, mk("d"))
	if res[0].Err == nil || connector.IsRetryable(res[0].Err) || !strings.Contains(res[0].Err.Error(), "name is required") {
		t.Errorf("422: %v, want a permanent error with the API's message", res[0].Err)
	}
}

func TestOpenWriterChecks(t *testing.T) {
	c := openConn(t, connector.Settings{"url": "https://api.example.com", "streams": map[string]any{"users": map[string]any{"path": "/users"}}})
	for name, req := range map[string]connector.WriteRequest{
		"unknown option":  {Stream: "users", Options: connector.Settings{"upsert": true}},
		"unknown key":     {Stream: "users", Options: connector.Settings{"create": map[string]any{"verb": "POST"}}},
		"bad method":      {Stream: "users", Options: connector.Settings{"create": map[string]any{"method": "GET"}}},
		"bad body":        {Stream: "users", Options: connector.Settings{"update": map[string]any{"body": "json"}}},
		"open brace":      {Stream: "users", Options: connector.Settings{"update": map[string]any{"path": "/u/{id"}}},
		"no path":         {Stream: "other", Options: connector.Settings{"create": map[string]any{"method": "POST"}}},
		"id_path update":  {Stream: "users", Options: connector.Settings{"update": map[string]any{"id_path": "id"}}},
		"match":           {Stream: "users", Match: []string{"email"}},
		"append with PUT": {Stream: "users", Append: true, Options: connector.Settings{"create": map[string]any{"method": "PUT", "path": "/users/{id}"}}},
	} {
		w, err := c.(connector.Target).OpenWriter(t.Context(), req)
		if err == nil {
			w.Close()
			t.Errorf("%s: OpenWriter accepted %+v", name, req)
		}
		if name == "match" && !errors.Is(err, connector.ErrUnsupported) {
			t.Errorf("match: %v, want ErrUnsupported", err)
		}
	}
	w := writerOn(t, c, connector.WriteRequest{Stream: "elsewhere", Key: []string{"id"}})
	res := apply(t, w, connector.Change{Action: connector.Create, Key: []any{int64(1)}, Record: connector.Record{"id": int64(1)}})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "create") {
		t.Errorf("create on a stream without a create request: %v", res[0].Err)
	}
}

// A key that is a dot segment never reaches a path: DELETE /orgs/acme/members/.. would be a DELETE of
// the organisation on a server (or proxy) that resolves dot segments.
func TestDotSegmentKeysAreRefused(t *testing.T) {
	var requests int
	srv := serve(t, func(w nethttp.ResponseWriter, r *nethttp.Request) { requests++; w.WriteHeader(nethttp.StatusOK) })
	c := openConn(t, connector.Settings{"url": srv.URL + "/v2"})
	w := writerOn(t, c, connector.WriteRequest{Stream: "members", Key: []string{"org", "login"}, Options: connector.Settings{
		"delete": map[string]any{"path": "/orgs/{org}/members/{login}"},
	}})
	res := apply(t, w,
		connector.Change{Action: connector.Delete, Key: []any{"acme", ".."}},
		connector.Change{Action: connector.Delete, Key: []any{"acme", "."}},
		connector.Change{Action: connector.Delete, Key: []any{"acme", "..x"}},
	)
	if res[0].Err == nil || res[1].Err == nil || connector.IsRetryable(res[0].Err) {
		t.Fatalf("dot segments: %v, %v; want permanent errors", res[0].Err, res[1].Err)
	}
	if res[2].Err != nil || requests != 1 {
		t.Fatalf("an ordinary key with dots: %v, %d requests", res[2].Err, requests)
	}
}
