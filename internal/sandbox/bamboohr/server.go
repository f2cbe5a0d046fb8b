package bamboohr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

// DefaultCompanyDomain is the {companyDomain} path segment when Options leave it empty.
const DefaultCompanyDomain = "oneway"

// Options configure a fake BambooHR server.
type Options struct {
	// APIKey is the key the server accepts as the Basic auth user name. Required.
	APIKey string
	// CompanyDomain is the {companyDomain} of /api/gateway.php/{companyDomain}/v1/.
	CompanyDomain string
	// ThrottleStatus is the status of a throttled answer: 429 (the default, BambooHR's current
	// behaviour) or 503 (its behaviour before the documented change).
	ThrottleStatus int
	// Now is the clock for lastChanged; nil means time.Now.
	Now func() time.Time
}

// Server is a running fake BambooHR API. Its exported methods seed and inspect employees; Faults arms
// throttling and 5xx answers; Journal lists the requests received.
type Server struct {
	Faults  *fakehttp.Injector
	Journal *fakehttp.Journal

	key, company   string
	throttleStatus int
	clock          func() time.Time
	ln             *fakehttp.Listener

	mu     sync.Mutex
	nextID int
	emps   map[int]Employee
}

// New starts a fake BambooHR API on 127.0.0.1. It stops when ctx is cancelled or Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.APIKey == "" {
		return nil, errors.New("start bamboohr fake: Options.APIKey is empty; set the API key the fake must accept")
	}
	s := &Server{
		Journal: &fakehttp.Journal{}, key: opts.APIKey, company: opts.CompanyDomain,
		throttleStatus: opts.ThrottleStatus, clock: opts.Now, nextID: 100, emps: map[int]Employee{},
	}
	if s.company == "" {
		s.company = DefaultCompanyDomain
	}
	if s.throttleStatus == 0 {
		s.throttleStatus = http.StatusTooManyRequests
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.Faults = fakehttp.NewInjector(s.clock)
	ln, err := fakehttp.Listen(ctx, s.Journal.Wrap(s.handler()))
	if err != nil {
		return nil, err
	}
	s.ln = ln
	return s, nil
}

// URL is the server's root, standing for https://api.bamboohr.com.
func (s *Server) URL() string { return s.ln.URL() }

// BaseURL is the API base the documentation builds every path on:
// {URL}/api/gateway.php/{companyDomain}/v1 (no trailing slash).
func (s *Server) BaseURL() string { return s.ln.URL() + "/api/gateway.php/" + s.company + "/v1" }

// APIKey is the key the server accepts.
func (s *Server) APIKey() string { return s.key }

// CompanyDomain is the {companyDomain} path segment.
func (s *Server) CompanyDomain() string { return s.company }

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

// AddEmployee stores a new employee with the given writable fields (status defaults to Active) and
// returns its id. It enforces what the API enforces: names required, known fields, unique workEmail.
func (s *Server) AddEmployee(fields map[string]string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _, err := s.createLocked(fields)
	return id, err
}

// UpdateEmployee sets the given fields of employee id, as an HR admin would in the UI.
func (s *Server) UpdateEmployee(id int, fields map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.updateLocked(id, fields)
	return err
}

// Terminate marks employee id Inactive with the given termination date (YYYY-MM-DD).
func (s *Server) Terminate(id int, date string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("terminate employee %d: date %q is not YYYY-MM-DD", id, date)
	}
	return s.UpdateEmployee(id, map[string]string{"status": StatusInactive, "terminationDate": date})
}

// DeleteEmployee removes employee id; the changed-since endpoint then reports it as Deleted.
func (s *Server) DeleteEmployee(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.emps[id]
	if !ok || e.Deleted {
		return fmt.Errorf("delete employee %d: no such employee", id)
	}
	e.Deleted, e.Action, e.LastChanged = true, "Deleted", s.now()
	s.emps[id] = e
	return nil
}

// Employee returns employee id (deleted ones too, with Deleted set).
func (s *Server) Employee(id int) (Employee, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.emps[id]
	return clone(e), ok
}

// Employees returns every employee that is not deleted, by ascending id.
func (s *Server) Employees() []Employee {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Employee
	for _, id := range s.ids() {
		if e := s.emps[id]; !e.Deleted {
			out = append(out, clone(e))
		}
	}
	return out
}

// FindByWorkEmail returns the live employee with the given work e-mail (case-insensitive).
func (s *Server) FindByWorkEmail(email string) (Employee, bool) {
	for _, e := range s.Employees() {
		if strings.EqualFold(e.Fields["workEmail"], email) {
			return e, true
		}
	}
	return Employee{}, false
}

func (s *Server) ids() []int {
	ids := make([]int, 0, len(s.emps))
	for id := range s.emps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *Server) byID(id int) (Employee, bool) {
	e, ok := s.emps[id]
	return e, ok && !e.Deleted
}

// apiError is a failed write: the status and the X-BambooHR-Error-Message text.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func (s *Server) checkFields(fields map[string]string, self int) error {
	for name, v := range fields {
		switch {
		case readOnly[name]:
			return &apiError{http.StatusBadRequest, fmt.Sprintf("Field %q is read-only", name)}
		case !writable[name]:
			return &apiError{http.StatusNotAcceptable, fmt.Sprintf("Field %q does not exist", name)}
		case name == "status" && v != StatusActive && v != StatusInactive:
			return &apiError{http.StatusBadRequest, `Field "status" must be Active or Inactive`}
		case (name == "hireDate" || name == "terminationDate" || name == "dateOfBirth") && v != "":
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return &apiError{http.StatusBadRequest, fmt.Sprintf("Field %q must be a date (YYYY-MM-DD)", name)}
			}
		case name == "supervisorEId" && v != "":
			id := 0
			if _, err := fmt.Sscanf(v, "%d", &id); err != nil || id == self {
				return &apiError{http.StatusBadRequest, "Field \"supervisorEId\" must be the id of another employee"}
			}
			if _, ok := s.byID(id); !ok {
				return &apiError{http.StatusBadRequest, fmt.Sprintf("Supervisor %d does not exist", id)}
			}
		case name == "workEmail" && v != "":
			for _, id := range s.ids() {
				if e, ok := s.byID(id); ok && id != self && strings.EqualFold(e.Fields["workEmail"], v) {
					return &apiError{http.StatusConflict, "Duplicate email: another employee has this workEmail"}
				}
			}
		}
	}
	return nil
}

func (s *Server) createLocked(fields map[string]string) (int, Employee, error) {
	for _, name := range []string{"firstName", "lastName"} {
		if strings.TrimSpace(fields[name]) == "" {
			return 0, Employee{}, &apiError{http.StatusBadRequest, "firstName and lastName are required"}
		}
	}
	if err := s.checkFields(fields, 0); err != nil {
		return 0, Employee{}, err
	}
	s.nextID++
	e := Employee{ID: s.nextID, Fields: map[string]string{"status": StatusActive}, LastChanged: s.now(), Action: "Inserted"}
	for k, v := range fields {
		if v != "" {
			e.Fields[k] = v
		}
	}
	s.emps[e.ID] = e
	return e.ID, clone(e), nil
}

func (s *Server) updateLocked(id int, fields map[string]string) (Employee, error) {
	e, ok := s.byID(id)
	if !ok {
		return Employee{}, &apiError{http.StatusNotFound, fmt.Sprintf("Employee %d not found", id)}
	}
	if err := s.checkFields(fields, id); err != nil {
		return Employee{}, err
	}
	e = clone(e)
	changed := false
	for k, v := range fields {
		if e.Fields[k] != v {
			changed = true
		}
		if v == "" {
			delete(e.Fields, k)
		} else {
			e.Fields[k] = v
		}
	}
	if changed { // an update that changes nothing leaves lastChanged alone
		e.LastChanged, e.Action = s.now(), "Updated"
	}
	s.emps[id] = e
	return clone(e), nil
}
