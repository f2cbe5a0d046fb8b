package fakehttp

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestInjectorOrderAndWindow(t *testing.T) {
	clk := sandboxtest.NewClock(time.Unix(1000, 0))
	in := NewInjector(clk.Now)
	in.Throttle(1, 1500*time.Millisecond)
	in.FailNext(2, 503)
	want := []Fault{Throttled, Failed, Failed, None}
	for i, w := range want {
		d := in.Decide()
		if d.Fault != w {
			t.Fatalf("request %d: %v, want %v", i, d.Fault, w)
		}
		if w == Throttled && d.RetryAfterHeader() != "2" {
			t.Errorf("Retry-After %q, want 2 (rounded up)", d.RetryAfterHeader())
		}
		if w == Failed && d.Status != 503 {
			t.Errorf("status %d", d.Status)
		}
	}
	in.SetRateLimit(2, 10*time.Second)
	if d := in.Decide(); d.Fault != None || !d.Limited || d.Limit != 2 || d.Remaining != 1 {
		t.Fatalf("first in window: %+v", d)
	}
	in.Decide()
	clk.Add(4 * time.Second)
	if d := in.Decide(); d.Fault != Throttled || d.RetryAfter != 6*time.Second {
		t.Fatalf("over the limit: %+v", d)
	}
	clk.Add(6 * time.Second)
	if d := in.Decide(); d.Fault != None || d.Remaining != 1 {
		t.Fatalf("next window: %+v", d)
	}
	in.Reset()
	if d := in.Decide(); d.Fault != None || d.Limited {
		t.Fatalf("after Reset: %+v", d)
	}
}

func TestJournalAndListener(t *testing.T) {
	j := &Journal{}
	ln, err := Listen(context.Background(), j.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b) // the body must still be readable after the journal read it
	})))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ln.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %s is not on loopback", ln.URL())
	}
	post := func(body string) string {
		req, _ := http.NewRequest(http.MethodPost, ln.URL()+"/x?a=1", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-value")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := post("one"); got != "one" {
		t.Fatalf("echo %q", got)
	}
	post("two")
	post("one")
	if n := j.Count(http.MethodPost, "/x"); n != 3 {
		t.Fatalf("Count = %d", n)
	}
	d := j.Duplicates(http.MethodPost)
	if len(d) != 1 || string(d[0].Body) != "one" {
		t.Fatalf("Duplicates = %+v", d)
	}
	for _, r := range j.Requests() {
		if a := r.Header.Get("Authorization"); a != "Bearer" {
			t.Fatalf("journal kept the credential: %q", a)
		}
	}
	j.Reset()
	if len(j.Requests()) != 0 {
		t.Fatal("Reset kept requests")
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
	if _, err := http.Get(ln.URL()); err == nil {
		t.Fatal("server answers after Close")
	}
}

func TestAuthHelpers(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	if _, ok := BearerToken(r); ok {
		t.Fatal("no header yet a token")
	}
	r.Header.Set("Authorization", "bearer  tok ")
	if tok, ok := BearerToken(r); !ok || tok != "tok" {
		t.Fatalf("BearerToken = %q %v", tok, ok)
	}
	r.SetBasicAuth("key", "")
	if u, ok := BasicUser(r); !ok || u != "key" {
		t.Fatalf("BasicUser = %q %v", u, ok)
	}
	if SameSecret("", "") || !SameSecret("a", "a") || SameSecret("a", "b") {
		t.Fatal("SameSecret")
	}
}
