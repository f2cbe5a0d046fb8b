package bamboohr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	base := "/api/gateway.php/{company}/v1/employees"
	mux.HandleFunc("GET "+base+"/directory", s.directory)
	mux.HandleFunc("GET "+base+"/changed", s.changed)
	mux.HandleFunc("GET "+base+"/{id}", s.getEmployee)
	mux.HandleFunc("POST "+base, s.createEmployee)
	mux.HandleFunc("POST "+base+"/{id}", s.updateEmployee)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The documentation writes paths both with and without the trailing slash (employees/ and
		// employees/changed/?since=...).
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimSuffix(p, "/")
		}
		switch d := s.Faults.Decide(); d.Fault {
		case fakehttp.Throttled:
			w.Header().Set("Retry-After", d.RetryAfterHeader())
			fail(w, s.throttleStatus, "Rate limit exceeded; retry after the Retry-After delay")
			return
		case fakehttp.Failed:
			fail(w, d.Status, "The service is temporarily unavailable")
			return
		}
		if user, ok := fakehttp.BasicUser(r); !ok || !fakehttp.SameSecret(user, s.key) {
			fail(w, http.StatusUnauthorized, "Invalid or missing API key (send it as the Basic auth user name)")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			fail(w, http.StatusNotFound, "Not a valid API path")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// fail answers the way BambooHR does: a status and the reason in X-BambooHR-Error-Message.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-BambooHR-Error-Message", msg)
	w.WriteHeader(status)
}

func failWith(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		fail(w, ae.status, ae.msg)
		return
	}
	fail(w, http.StatusInternalServerError, err.Error())
}

// scope checks the company segment and, for GETs, that the client asked for JSON.
func (s *Server) scope(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("company") != s.company {
		fail(w, http.StatusNotFound, fmt.Sprintf("Unknown company domain %q", r.PathValue("company")))
		return false
	}
	if r.Method == http.MethodGet && !strings.Contains(r.Header.Get("Accept"), "application/json") {
		fail(w, http.StatusNotAcceptable, "This sandbox answers JSON only; send Accept: application/json (the real API would answer XML)")
		return false
	}
	return true
}

var directoryFields = []struct{ id, typ, name string }{
	{"displayName", "text", "Display Name"}, {"firstName", "text", "First Name"},
	{"lastName", "text", "Last Name"}, {"preferredName", "text", "Preferred Name"},
	{"jobTitle", "list", "Job Title"}, {"workPhone", "text", "Work Phone"},
	{"mobilePhone", "text", "Mobile Phone"}, {"workEmail", "email", "Work Email"},
	{"department", "list", "Department"}, {"location", "list", "Location"},
	{"division", "list", "Division"}, {"supervisor", "employee", "Supervisor"},
}

// directory lists current (Active) employees, as the company directory does.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	if !s.scope(w, r) {
		return
	}
	fields := []map[string]string{}
	for _, f := range directoryFields {
		fields = append(fields, map[string]string{"id": f.id, "type": f.typ, "name": f.name})
	}
	emps := []map[string]any{}
	s.mu.Lock()
	for _, id := range s.ids() {
		e, ok := s.byID(id)
		if !ok || e.Fields["status"] != StatusActive {
			continue
		}
		row := map[string]any{"id": e.ID}
		for _, f := range directoryFields {
			row[f.id] = e.value(f.id, s.byID)
		}
		emps = append(emps, row)
	}
	s.mu.Unlock()
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"fields": fields, "employees": emps})
}

func (s *Server) getEmployee(w http.ResponseWriter, r *http.Request) {
	if !s.scope(w, r) {
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	names := []string{"firstName", "lastName"}
	if v := r.URL.Query().Get("fields"); v != "" {
		names = strings.Split(v, ",")
	}
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
		if !knownField(names[i]) {
			fail(w, http.StatusNotAcceptable, fmt.Sprintf("Field %q does not exist", names[i]))
			return
		}
	}
	s.mu.Lock()
	e, ok := s.byID(id)
	out := map[string]any{"id": strconv.Itoa(e.ID)}
	for _, n := range names {
		out[n] = e.value(n, s.byID)
	}
	s.mu.Unlock()
	if err != nil || !ok {
		fail(w, http.StatusNotFound, fmt.Sprintf("Employee %s not found", r.PathValue("id")))
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// readFields decodes a JSON object of field names to values; numbers and booleans become their text
// and null clears the field.
func readFields(r *http.Request) (map[string]string, error) {
	var raw map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, &apiError{http.StatusBadRequest, "Body must be a JSON object of employee fields: " + err.Error()}
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case json.Number, bool:
			out[k] = fmt.Sprint(v)
		default:
			return nil, &apiError{http.StatusBadRequest, fmt.Sprintf("Field %q must be a string", k)}
		}
	}
	return out, nil
}

func (s *Server) createEmployee(w http.ResponseWriter, r *http.Request) {
	if !s.scope(w, r) {
		return
	}
	fields, err := readFields(r)
	if err != nil {
		failWith(w, err)
		return
	}
	s.mu.Lock()
	id, _, err := s.createLocked(fields)
	s.mu.Unlock()
	if err != nil {
		failWith(w, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("http://%s/api/gateway.php/%s/v1/employees/%d", r.Host, s.company, id))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) updateEmployee(w http.ResponseWriter, r *http.Request) {
	if !s.scope(w, r) {
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusNotFound, fmt.Sprintf("Employee %s not found", r.PathValue("id")))
		return
	}
	fields, err := readFields(r)
	if err != nil {
		failWith(w, err)
		return
	}
	s.mu.Lock()
	_, err = s.updateLocked(id, fields)
	s.mu.Unlock()
	if err != nil {
		failWith(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// sinceRE accepts exactly the documented formats of "since": yyyy-mm-ddThh:mm:ss followed by Z,
// +hh:mm, -hh:mm, +hhmm or -hhmm. A "+" sent unencoded arrives as a space and is rejected, as the
// documentation warns.
var sinceRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$`)

func parseSince(v string) (time.Time, bool) {
	if !sinceRE.MatchString(v) {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (s *Server) changed(w http.ResponseWriter, r *http.Request) {
	if !s.scope(w, r) {
		return
	}
	q := r.URL.Query()
	since, ok := parseSince(q.Get("since"))
	if !ok {
		fail(w, http.StatusBadRequest, `"since" must be an ISO 8601 timestamp such as 2011-07-04T13:05:00-07:00 (URL-encode "+" as %2B)`)
		return
	}
	typ := strings.ToLower(q.Get("type"))
	if typ != "" && typ != "inserted" && typ != "updated" && typ != "deleted" {
		fail(w, http.StatusBadRequest, `"type" must be inserted, updated or deleted`)
		return
	}
	out := map[string]any{}
	latest := since
	s.mu.Lock()
	for _, id := range s.ids() {
		e := s.emps[id]
		if e.LastChanged.Before(since) || (typ != "" && strings.ToLower(e.Action) != typ) {
			continue
		}
		key := strconv.Itoa(e.ID)
		out[key] = map[string]string{"id": key, "action": e.Action, "lastChanged": e.LastChanged.Format(timeLayout)}
		if e.LastChanged.After(latest) {
			latest = e.LastChanged
		}
	}
	s.mu.Unlock()
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"latest": latest.UTC().Format(timeLayout), "employees": out})
}
