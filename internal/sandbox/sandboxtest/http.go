package sandboxtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Reply is an HTTP answer, its body read to the end.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body as JSON into v, failing t when it is not.
func (r Reply) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

// Do sends a request with http.DefaultClient and returns the answer, whatever its status. An empty body
// sends none. Each edit adjusts the request (credentials, headers) before it is sent, in order. A
// request that cannot be built or sent, or whose answer cannot be read, fails t.
func Do(t testing.TB, method, url, body string, edits ...func(*http.Request)) Reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range edits {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer to %s %s: %v", method, url, err)
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// JSON returns v marshalled as a request body, or "" (no body) for nil. A value that cannot be
// marshalled fails t.
func JSON(t testing.TB, v any) string {
	t.Helper()
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Basic sends user and password as Basic auth credentials; an empty user sends none.
func Basic(user, password string) func(*http.Request) {
	return func(r *http.Request) {
		if user != "" {
			r.SetBasicAuth(user, password)
		}
	}
}

// Bearer sends token as a Bearer token; an empty token sends none.
func Bearer(token string) func(*http.Request) {
	return func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
}

// Headers sets each header of h; an empty value sets none, as if it were absent from h.
func Headers(h map[string]string) func(*http.Request) {
	return func(r *http.Request) {
		for k, v := range h {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
	}
}
