package http

import (
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
)

// The suite runs against the store test server: the source pages through it 7 records at a time and
// reads incrementally with seq_min, the target upserts with PUT /streams/{name}/{id}. Seed and Inspect
// go to the store directly, bypassing the connector.
func TestConformance(t *testing.T) {
	// One server for the whole suite (it exists before each subtest, so the leak check ignores it);
	// each connection gets its own store below its own path prefix.
	stores := map[connector.Conn]*store{}
	var mu sync.Mutex
	byPrefix := map[string]*store{}
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		prefix, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		mu.Lock()
		st := byPrefix[prefix]
		mu.Unlock()
		if st == nil {
			nethttp.NotFound(w, r)
			return
		}
		nethttp.StripPrefix("/"+prefix, st).ServeHTTP(w, r)
	}))
	defer srv.Close()
	conformance.Run(t, conformance.Options{
		New: func(t *testing.T) connector.Conn {
			st := &store{streams: map[string]map[string]map[string]any{}, nextID: 1000}
			mu.Lock()
			prefix := fmt.Sprintf("s%d", len(byPrefix))
			byPrefix[prefix] = st
			mu.Unlock()
			c, err := New(connector.Settings{
				"url": srv.URL + "/" + prefix,
				"streams": map[string]any{
					"conformance_people": map[string]any{
						"path":          "/streams/conformance_people",
						"records":       "data.items",
						"pagination":    map[string]any{"type": "page", "size_param": "per_page", "size": int64(7)},
						"updated_since": map[string]any{"param": "seq_min", "format": "raw", "field": "seq"},
					},
				},
			}, connector.Env{})
			if err != nil {
				t.Fatal(err)
			}
			stores[c] = st
			return c
		},
		Prepare: func(t *testing.T, conn connector.Conn, stream string) { stores[conn].put(stream, nil) },
		Seed: func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
			stores[conn].put(stream, recs)
		},
		Inspect: func(t *testing.T, conn connector.Conn, stream string) []connector.Record {
			return stores[conn].records(stream)
		},
		WriteOptions: connector.Settings{
			"create": map[string]any{"method": "PUT", "path": "/streams/conformance_people/{id}"},
		},
		// JSON has one number type: a score of 5.0 travels as 5 and reads back whole.
		Normalize: func(r connector.Record) connector.Record {
			if n, ok := r["score"].(int64); ok {
				r = r.Clone()
				r["score"] = float64(n)
			}
			return r
		},
	})
}
