package greenhouse

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

// DefaultRateLimit is the X-RateLimit-Limit the fake announces, per 10 seconds, when Options leave it
// unset: the value of the documentation's example.
const DefaultRateLimit = 50

// Options configure a fake Harvest server.
type Options struct {
	// Token is the Harvest API key the server accepts as the Basic auth user name. Required.
	Token string
	// RateLimit is the number of requests allowed per 10-second window; 0 means DefaultRateLimit and a
	// negative value disables the limit (no X-RateLimit headers).
	RateLimit int
	// Now is the clock for timestamps and rate-limit windows; nil means time.Now.
	Now func() time.Time
}

// Server is a running fake Harvest API. Its exported methods seed and inspect the data; Faults arms
// throttling and 5xx answers; Journal lists the requests received.
type Server struct {
	Faults  *fakehttp.Injector
	Journal *fakehttp.Journal

	token string
	clock func() time.Time
	ln    *fakehttp.Listener

	mu sync.Mutex
	st state
}

// New starts a fake Harvest API on 127.0.0.1. It stops when ctx is cancelled or Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, errors.New("start greenhouse fake: Options.Token is empty; set the API key the fake must accept")
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	s := &Server{
		Faults:  fakehttp.NewInjector(clock),
		Journal: &fakehttp.Journal{},
		token:   opts.Token,
		clock:   clock,
		st:      newState(),
	}
	switch {
	case opts.RateLimit == 0:
		s.Faults.SetRateLimit(DefaultRateLimit, 10*time.Second)
	case opts.RateLimit > 0:
		s.Faults.SetRateLimit(opts.RateLimit, 10*time.Second)
	}
	ln, err := fakehttp.Listen(ctx, s.Journal.Wrap(s.handler()))
	if err != nil {
		return nil, err
	}
	s.ln = ln
	return s, nil
}

// URL is the base URL that stands for https://harvest.greenhouse.io; the API lives under /v1.
func (s *Server) URL() string { return s.ln.URL() }

// Token is the API key the server accepts.
func (s *Server) Token() string { return s.token }

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

func (s *Server) now() time.Time { return s.clock().UTC() }

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/candidates", s.listCandidates)
	mux.HandleFunc("POST /v1/candidates", s.createCandidate)
	mux.HandleFunc("GET /v1/candidates/{id}", s.getCandidate)
	mux.HandleFunc("PATCH /v1/candidates/{id}", s.patchCandidate)
	mux.HandleFunc("GET /v1/applications", s.listApplications)
	mux.HandleFunc("GET /v1/applications/{id}", s.getApplication)
	mux.HandleFunc("GET /v1/applications/{id}/offers", s.listApplicationOffers)
	mux.HandleFunc("GET /v1/applications/{id}/offers/current_offer", s.getCurrentOffer)
	mux.HandleFunc("GET /v1/offers", s.listOffers)
	mux.HandleFunc("GET /v1/jobs", s.listJobs)
	mux.HandleFunc("GET /v1/jobs/{id}", s.getJob)
	mux.HandleFunc("GET /v1/users", s.listUsers)
	mux.HandleFunc("GET /v1/users/{id}", s.getUser)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The documentation's own curl examples use both /v1/candidates and /v1/candidates/.
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimSuffix(p, "/")
		}
		d := s.Faults.Decide()
		switch d.Fault {
		case fakehttp.Throttled:
			// Documented: the 429 answer carries no X-RateLimit-Limit/Remaining headers.
			w.Header().Set("Retry-After", d.RetryAfterHeader())
			writeMessage(w, http.StatusTooManyRequests, "Too Many Requests")
			return
		case fakehttp.Failed:
			writeMessage(w, d.Status, "Server Error -- We had a problem with our server. Try again later.")
			return
		}
		if d.Limited {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
		}
		if user, ok := fakehttp.BasicUser(r); !ok || !fakehttp.SameSecret(user, s.token) {
			writeMessage(w, http.StatusUnauthorized, "Invalid Basic Auth credentials")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			writeMessage(w, http.StatusNotFound, "Resource not found")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// fieldError is one entry of a documented 422 validation answer.
type fieldError struct {
	Message string `json:"message"`
	Field   string `json:"field"`
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	fakehttp.WriteJSON(w, status, map[string]string{"message": msg})
}

func writeValidation(w http.ResponseWriter, errs ...fieldError) {
	fakehttp.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation error", "errors": errs})
}

// listWhere answers a list endpoint with the page pq of the items of m that keep accepts, rendered, by
// ascending id; m is read under the lock.
func listWhere[V, J any](s *Server, w http.ResponseWriter, r *http.Request, pq pageQuery, m map[int64]V, keep func(V) bool, render func(V) J) {
	s.mu.Lock()
	out := renderAll(where(m, keep), render)
	s.mu.Unlock()
	writePage(w, r, out, pq)
}

// getOne answers a GET of one resource: find looks the path's id up under the lock and renders what it
// finds; a malformed or unknown id is the documented 404.
func getOne[J any](s *Server, w http.ResponseWriter, r *http.Request, find func(id int64) (J, bool)) {
	id, ok := pathID(r)
	var out J
	if ok {
		s.mu.Lock()
		out, ok = find(id)
		s.mu.Unlock()
	}
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// getByID is getOne for a resource stored in m under the path's id; m is read under the lock.
func getByID[V, J any](s *Server, w http.ResponseWriter, r *http.Request, m map[int64]V, render func(V) J) {
	getOne(s, w, r, func(id int64) (J, bool) {
		v, ok := m[id]
		if !ok {
			var none J
			return none, false
		}
		return render(v), true
	})
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// onBehalfOf checks the header that every documented write requires, naming an existing user.
func (s *Server) onBehalfOf(r *http.Request) (fieldError, bool) {
	raw := r.Header.Get("On-Behalf-Of")
	if raw == "" {
		return fieldError{Message: "Missing required header: On-Behalf-Of (ID of the user issuing this request)", Field: "On-Behalf-Of"}, false
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	s.mu.Lock()
	_, ok := s.st.users[id]
	s.mu.Unlock()
	if err != nil || !ok {
		return fieldError{Message: "On-Behalf-Of must be the ID of an existing user", Field: "On-Behalf-Of"}, false
	}
	return fieldError{}, true
}
