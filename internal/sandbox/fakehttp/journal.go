package fakehttp

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// Request is one request as a fake received it. Credentials are never kept: the Authorization header
// is replaced by its scheme alone ("Basic", "Bearer").
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	At       time.Time
}

// Journal records every request a fake receives, in arrival order, including the ones that the fake
// then rejected (401, 429, 5xx). It is safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	reqs []Request
}

// Wrap returns a handler that records each request in j before passing it on to next. The body is
// read in full (fakes serve small payloads) and handed on unchanged.
func (j *Journal) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h := r.Header.Clone()
		if a := h.Get("Authorization"); a != "" {
			scheme, _, _ := cutSpace(a)
			h.Set("Authorization", scheme)
		}
		j.mu.Lock()
		j.reqs = append(j.reqs, Request{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Header: h, Body: body, At: time.Now(),
		})
		j.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// Requests returns a copy of all recorded requests.
func (j *Journal) Requests() []Request {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Request(nil), j.reqs...)
}

// Count returns how many requests had the given method and path. An empty method matches any method.
func (j *Journal) Count(method, path string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, r := range j.reqs {
		if (method == "" || r.Method == method) && r.Path == path {
			n++
		}
	}
	return n
}

// Duplicates returns the requests with the given method whose path, query and body equal those of an
// earlier request with that method: the evidence for "a write was sent twice". An empty method
// matches any method.
func (j *Journal) Duplicates(method string) []Request {
	j.mu.Lock()
	defer j.mu.Unlock()
	seen := map[string]bool{}
	var dups []Request
	for _, r := range j.reqs {
		if method != "" && r.Method != method {
			continue
		}
		k := r.Method + " " + r.Path + "?" + r.RawQuery + "\n" + string(r.Body)
		if seen[k] {
			dups = append(dups, r)
		}
		seen[k] = true
	}
	return dups
}

// Reset forgets all recorded requests.
func (j *Journal) Reset() {
	j.mu.Lock()
	j.reqs = nil
	j.mu.Unlock()
}
