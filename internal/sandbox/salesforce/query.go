package salesforce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

const (
	maxBatch      = 2000
	minBatch      = 200
	locatorIdle   = 15 * time.Minute // a query cursor expires after 15 minutes of inactivity
	maxOpenCursor = 10               // a user may hold 10 open cursors; opening another drops the oldest
)

// cursor is a server-side query result, frozen when the query ran, read in batches.
type cursor struct {
	records  []json.RawMessage
	version  string
	lastUsed time.Time
	serial   int // opening order, for dropping the oldest
}

// sfError is one entry of the documented error body.
type sfError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	fakehttp.WriteJSON(w, status, []sfError{{Message: msg, ErrorCode: code}})
}

var (
	queryPath = regexp.MustCompile(`^/services/data/v(\d+\.\d)/(query|queryAll)/?$`)
	morePath  = regexp.MustCompile(`^/services/data/v(\d+\.\d)/(query|queryAll)/(01g[0-9A-Za-z]{15})-(\d+)$`)
)

func (s *Server) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch d := s.Faults.Decide(); d.Fault {
		case fakehttp.Throttled:
			w.Header().Set("Retry-After", d.RetryAfterHeader())
			writeError(w, s.throttleStatus, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
			return
		case fakehttp.Failed:
			writeError(w, d.Status, "SERVER_UNAVAILABLE", "The server is temporarily unable to service your request. Please try again later.")
			return
		}
		if tok, ok := fakehttp.BearerToken(r); !ok || !fakehttp.SameSecret(tok, s.token) {
			writeError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
			return
		}
		s.mu.Lock()
		s.requests++
		w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.requests, s.dailyLimit))
		s.mu.Unlock()
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "HTTP Method '"+r.Method+"' not allowed. Allowed are GET,HEAD")
			return
		}
		if m := morePath.FindStringSubmatch(r.URL.Path); m != nil {
			offset, _ := strconv.Atoi(m[4])
			s.more(w, r, m[1], m[3], offset)
			return
		}
		if m := queryPath.FindStringSubmatch(r.URL.Path); m != nil {
			s.query(w, r, m[1], m[2] == "queryAll")
			return
		}
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	})
}

// batchSize reads Sforce-Query-Options: batchSize=N (200..2000) and caps it by the fake's option.
func (s *Server) batchSize(r *http.Request) int {
	n := maxBatch
	for _, opt := range strings.Split(r.Header.Get("Sforce-Query-Options"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		if strings.EqualFold(k, "batchSize") {
			if b, err := strconv.Atoi(v); err == nil {
				n = min(max(b, minBatch), maxBatch)
			}
		}
	}
	return min(n, s.maxBatch)
}

func (s *Server) query(w http.ResponseWriter, r *http.Request, version string, all bool) {
	soql := r.URL.Query().Get("q")
	if strings.TrimSpace(soql) == "" {
		writeError(w, http.StatusBadRequest, "MALFORMED_QUERY", "A query string must be provided.")
		return
	}
	q, err := ParseQuery(soql)
	if err != nil {
		qe := err.(*QueryError)
		writeError(w, http.StatusBadRequest, qe.Code, qe.Message)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	matched := q.run(s.sortedLeads(all))
	s.cursorSerial++
	c := &cursor{version: version, serial: s.cursorSerial, lastUsed: s.clock()}
	for _, l := range matched {
		c.records = append(c.records, renderRecord(l, q.Fields, version))
	}
	s.page(w, c, "", 0, s.batchSize(r))
}

func (s *Server) more(w http.ResponseWriter, r *http.Request, version, id string, offset int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cursors[id]
	if !ok || s.clock().Sub(c.lastUsed) > locatorIdle || offset > len(c.records) {
		delete(s.cursors, id)
		writeError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
		return
	}
	c.lastUsed = s.clock()
	s.page(w, c, id, offset, s.batchSize(r))
}

// page writes records[offset:offset+size] with done, totalSize and, when more remain, a
// nextRecordsUrl that always says "query" (as documented, even for queryAll). Callers hold s.mu.
func (s *Server) page(w http.ResponseWriter, c *cursor, id string, offset, size int) {
	end := min(len(c.records), offset+size)
	done := end >= len(c.records)
	var next string
	switch {
	case done && id != "":
		delete(s.cursors, id)
	case !done:
		if id == "" {
			id = locatorID()
			s.cursors[id] = c
			s.dropOldestCursor()
		}
		next = fmt.Sprintf("/services/data/v%s/query/%s-%d", c.version, id, end)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"totalSize":%d,"done":%t,`, len(c.records), done)
	if next != "" {
		fmt.Fprintf(&b, `"nextRecordsUrl":%q,`, next)
	}
	b.WriteString(`"records":[`)
	for i, rec := range c.records[offset:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(rec)
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b.Bytes())
}

func (s *Server) dropOldestCursor() {
	if len(s.cursors) <= maxOpenCursor {
		return
	}
	var oldest string
	for id, c := range s.cursors {
		if oldest == "" || c.serial < s.cursors[oldest].serial {
			oldest = id
		}
	}
	delete(s.cursors, oldest)
}

// renderRecord writes a record as the REST API does: "attributes" first, then the selected fields
// in SELECT order.
func renderRecord(l Lead, fields []string, version string) json.RawMessage {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"attributes":{"type":"Lead","url":"/services/data/v%s/sobjects/Lead/%s"}`, version, l.ID)
	for _, f := range fields {
		var v any = l.value(f)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(dateTimeLayout)
		}
		enc, _ := json.Marshal(v)
		fmt.Fprintf(&b, `,%q:%s`, f, enc)
	}
	b.WriteByte('}')
	return b.Bytes()
}
