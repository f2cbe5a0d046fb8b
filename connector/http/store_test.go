package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// store is a small JSON REST API over in-memory collections, written for these tests from the HTTP
// semantics of its methods (RFC 9110; PATCH as a JSON merge):
//
//	GET    /streams/{name}?page=N&per_page=M[&seq_min=X]  {"data": {"items": [...]}}, ordered by id;
//	       seq_min keeps records whose seq is >= X or null. 404 for an unknown collection.
//	PUT    /streams/{name}                                creates an empty collection
//	POST   /streams/{name}                                creates a record with a new id: 201, Location, {"data": {"id": ...}}
//	PUT    /streams/{name}/{id}                           replaces (or creates) the record
//	PATCH  /streams/{name}/{id}                           merges fields into the record; 404 when absent
//	DELETE /streams/{name}/{id}                           204; 404 when absent
type store struct {
	mu      sync.Mutex
	streams map[string]map[string]map[string]any // stream -> id -> record (json.Number numbers)
	nextID  int
	// hook, when set, may answer a request itself (faults); it returns false to let the store answer.
	hook func(w nethttp.ResponseWriter, r *nethttp.Request) bool
}

func newStore(t testing.TB) (*store, *httptest.Server) {
	s := &store{streams: map[string]map[string]map[string]any{}, nextID: 1000}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *store) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "streams" {
		nethttp.NotFound(w, r)
		return
	}
	name := parts[1]
	coll, exists := s.streams[name]
	if len(parts) == 2 {
		switch r.Method {
		case nethttp.MethodGet:
			if !exists {
				nethttp.Error(w, `{"error":"no such collection"}`, nethttp.StatusNotFound)
				return
			}
			s.list(w, r, coll)
		case nethttp.MethodPut:
			if !exists {
				s.streams[name] = map[string]map[string]any{}
			}
			w.WriteHeader(nethttp.StatusNoContent)
		case nethttp.MethodPost:
			rec, ok := decodeBody(w, r)
			if !ok {
				return
			}
			if !exists {
				coll = map[string]map[string]any{}
				s.streams[name] = coll
			}
			s.nextID++
			id := strconv.Itoa(s.nextID)
			rec["id"] = json.Number(id)
			coll[id] = rec
			w.Header().Set("Location", "/streams/"+name+"/"+id)
			w.WriteHeader(nethttp.StatusCreated)
			fmt.Fprintf(w, `{"data":{"id":%s}}`, id)
		default:
			w.WriteHeader(nethttp.StatusMethodNotAllowed)
		}
		return
	}
	id := parts[2]
	switch r.Method {
	case nethttp.MethodPut:
		rec, ok := decodeBody(w, r)
		if !ok {
			return
		}
		if !exists {
			coll = map[string]map[string]any{}
			s.streams[name] = coll
		}
		coll[id] = rec
		w.WriteHeader(nethttp.StatusOK)
	case nethttp.MethodPatch:
		rec, ok := coll[id]
		if !ok {
			nethttp.Error(w, `{"error":"not found"}`, nethttp.StatusNotFound)
			return
		}
		patch, ok := decodeBody(w, r)
		if !ok {
			return
		}
		for k, v := range patch {
			rec[k] = v
		}
		w.WriteHeader(nethttp.StatusOK)
	case nethttp.MethodDelete:
		if _, ok := coll[id]; !ok {
			nethttp.Error(w, `{"error":"not found"}`, nethttp.StatusNotFound)
			return
		}
		delete(coll, id)
		w.WriteHeader(nethttp.StatusNoContent)
	default:
		w.WriteHeader(nethttp.StatusMethodNotAllowed)
	}
}

func (s *store) list(w nethttp.ResponseWriter, r *nethttp.Request, coll map[string]map[string]any) {
	q := r.URL.Query()
	recs := make([]map[string]any, 0, len(coll))
	for _, rec := range coll {
		if min := q.Get("seq_min"); min != "" {
			seq, isNum := rec["seq"].(json.Number)
			m, _ := strconv.ParseInt(min, 10, 64)
			if isNum {
				if v, _ := seq.Int64(); v < m {
					continue
				}
			}
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return idNum(recs[i]) < idNum(recs[j]) })
	page, size := atoiOr(q.Get("page"), 1), atoiOr(q.Get("per_page"), 10)
	lo := min((page-1)*size, len(recs))
	hi := min(lo+size, len(recs))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": recs[lo:hi]}})
}

func idNum(rec map[string]any) int64 {
	n, _ := rec["id"].(json.Number).Int64()
	return n
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

func decodeBody(w nethttp.ResponseWriter, r *nethttp.Request) (map[string]any, bool) {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil || rec == nil {
		nethttp.Error(w, `{"error":"body must be a JSON object"}`, nethttp.StatusBadRequest)
		return nil, false
	}
	return rec, true
}

// put writes records straight into a collection (seeding), creating it.
func (s *store) put(name string, recs []connector.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	coll := s.streams[name]
	if coll == nil {
		coll = map[string]map[string]any{}
		s.streams[name] = coll
	}
	for _, r := range recs {
		b, err := connector.CanonicalJSON(map[string]any(r))
		if err != nil {
			panic(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			panic(err)
		}
		coll[string(m["id"].(json.Number))] = m
	}
}

// records returns a collection's records with numbers as int64 (whole) or float64.
func (s *store) records(name string) []connector.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []connector.Record
	for _, rec := range s.streams[name] {
		r := connector.Record{}
		for k, v := range rec {
			if n, ok := v.(json.Number); ok {
				if i, err := n.Int64(); err == nil {
					v = i
				} else {
					f, _ := n.Float64()
					v = f
				}
			}
			r[k] = v
		}
		out = append(out, r)
	}
	return out
}
