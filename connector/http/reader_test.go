package http

import (
	"context"
	"errors"
	"io"
	stdhttp "net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Pages of any size come out in batches of BatchSize; records repeated across pages are dropped by
// key; a fetch error sticks; a canceled context ends the read with an error.
func TestReader(t *testing.T) {
	pages := [][]connector.Record{
		{{"id": int64(1)}, {"id": int64(2)}, {"id": int64(3)}},
		{{"id": int64(3)}, {"id": int64(4)}},
		{{"id": int64(5)}, {"no_id": true}},
	}
	i := 0
	fetch := func(context.Context) ([]connector.Record, error) {
		if i == len(pages) {
			return nil, io.EOF
		}
		i++
		return pages[i-1], nil
	}
	r := NewReader(fetch, ReaderOptions{BatchSize: 2, Unique: []string{"id"}})
	var sizes []int
	n := 0
	for {
		b, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(b))
		n += len(b)
	}
	if n != 6 || len(sizes) != 3 {
		t.Errorf("read %d records in batches %v, want 6 in batches of 2 (3 read twice is dropped; no_id is passed on)", n, sizes)
	}
	if _, err := r.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end: %v", err)
	}
	r.Close()
	if _, err := r.Next(t.Context()); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Next after Close: %v, want an error", err)
	}

	boom := errors.New("boom")
	r = NewReader(func(context.Context) ([]connector.Record, error) { return nil, boom }, ReaderOptions{})
	for range 2 {
		if _, err := r.Next(t.Context()); !errors.Is(err, boom) {
			t.Errorf("Next: %v, want the fetch error, every time", err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r = SliceReader([]connector.Record{{"id": int64(1)}}, 0)
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a canceled context: %v", err)
	}
}

// ApplyEach stops sending after a Retry-After and when the context ends; the rest come back
// transient.
func TestApplyEachCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	sent := 0
	batch := make([]connector.Change, 4)
	res, err := ApplyEach(ctx, batch, func(context.Context, connector.Change) (string, error) {
		sent++
		if sent == 2 {
			cancel()
		}
		return "x", nil
	})
	if err != nil || sent != 2 || res[1].Err != nil || !connector.IsRetryable(res[2].Err) || !connector.IsRetryable(res[3].Err) {
		t.Errorf("sent %d, results %+v, err %v", sent, res, err)
	}
	sent = 0
	res, _ = ApplyEach(t.Context(), batch, func(context.Context, connector.Change) (string, error) {
		sent++
		if sent == 1 {
			return "", connector.TransientAfter(errors.New("429"), time.Second)
		}
		return "x", nil
	})
	if sent != 1 || res[3].Err == nil {
		t.Errorf("after a Retry-After: sent %d, last result %+v", sent, res[3])
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"/users/{id}", "/a/{b}?c={d}&e=f", "{", "}", "/{}", "/x?{y}?{z}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, err := parseTemplate(s)
		if err != nil {
			return
		}
		ch := connector.Change{ID: "7", Key: []any{"k/1"}, Record: connector.Record{"y": "a b", "z": int64(3)}}
		_, _, _, _ = tmpl.fill(ch, []string{"b"})
	})
}

// After a 401 or 403 the rest of the batch is not sent: every request would be refused the same way.
func TestApplyEachStopsAfterRefusedCredentials(t *testing.T) {
	srv := httptest.NewServer(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		w.WriteHeader(stdhttp.StatusUnauthorized)
	}))
	defer srv.Close()
	client := httpclient.New(httpclient.Options{})
	sent := 0
	batch := make([]connector.Change, 5)
	res, err := ApplyEach(t.Context(), batch, func(ctx context.Context, _ connector.Change) (string, error) {
		sent++
		req, _ := stdhttp.NewRequest(stdhttp.MethodPost, srv.URL, nil)
		_, _, err := client.Do(ctx, req)
		return "", err
	})
	if err != nil || sent != 1 {
		t.Fatalf("sent %d requests after a 401 (err %v)", sent, err)
	}
	for i, r := range res {
		if r.Err == nil || connector.IsRetryable(r.Err) || !httpclient.Unauthorized(r.Err) {
			t.Errorf("result %d: %v, want the permanent 401", i, r.Err)
		}
	}
}
