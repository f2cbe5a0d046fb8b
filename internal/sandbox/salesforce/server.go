package salesforce

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

// DefaultAPIVersion is the version the fake advertises; any vNN.N in a path is accepted.
const DefaultAPIVersion = "62.0"

// Options configure a fake Salesforce org.
type Options struct {
	// AccessToken is the OAuth access token the server accepts as "Authorization: Bearer". Required.
	AccessToken string
	// MaxBatchSize caps the records per query answer below the documented default of 2000, so tests
	// can page through a handful of records. 0 means 2000.
	MaxBatchSize int
	// ThrottleStatus is the status of a throttled answer: 403 (the default, the documented
	// REQUEST_LIMIT_EXCEEDED) or 429 to model a gateway in front of the API.
	ThrottleStatus int
	// DailyRequestLimit is the allowance reported in the Sforce-Limit-Info header; 0 means 15000.
	DailyRequestLimit int
	// Now is the clock for record timestamps and query locator expiry; nil means time.Now.
	Now func() time.Time
}

// Server is a running fake Salesforce org. Its exported methods seed and inspect leads; Faults arms
// throttling and 5xx answers; Journal lists the requests received.
type Server struct {
	Faults  *fakehttp.Injector
	Journal *fakehttp.Journal

	token          string
	maxBatch       int
	throttleStatus int
	dailyLimit     int
	clock          func() time.Time
	ln             *fakehttp.Listener

	mu           sync.Mutex
	seq          int
	leads        map[string]Lead
	cursors      map[string]*cursor
	cursorSerial int
	requests     int
}

// New starts a fake Salesforce org on 127.0.0.1. It stops when ctx is cancelled or Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.AccessToken == "" {
		return nil, errors.New("start salesforce fake: Options.AccessToken is empty; set the token the fake must accept")
	}
	s := &Server{
		Journal: &fakehttp.Journal{}, token: opts.AccessToken, maxBatch: opts.MaxBatchSize,
		throttleStatus: opts.ThrottleStatus, dailyLimit: opts.DailyRequestLimit, clock: opts.Now,
		leads: map[string]Lead{}, cursors: map[string]*cursor{},
	}
	if s.maxBatch <= 0 || s.maxBatch > maxBatch {
		s.maxBatch = maxBatch
	}
	if s.throttleStatus == 0 {
		s.throttleStatus = http.StatusForbidden
	}
	if s.dailyLimit == 0 {
		s.dailyLimit = 15000
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

// URL is the instance URL (what an OAuth token response calls instance_url).
func (s *Server) URL() string { return s.ln.URL() }

// AccessToken is the token the server accepts.
func (s *Server) AccessToken() string { return s.token }

// APIVersion is the REST API version to put in paths, e.g. "62.0".
func (s *Server) APIVersion() string { return DefaultAPIVersion }

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

// now has the millisecond precision of Salesforce dateTime values.
func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// AddLead stores l with a new 18-character Id and the current time as CreatedDate, LastModifiedDate
// and SystemModstamp unless they are set, and returns it as stored.
func (s *Server) AddLead(l Lead) Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	l.ID = fmt.Sprintf("00QDn%010dAAA", s.seq)
	now := s.now()
	for _, t := range []*time.Time{&l.CreatedDate, &l.LastModifiedDate, &l.SystemModstamp} {
		if t.IsZero() {
			*t = now
		}
		*t = t.UTC()
	}
	if l.Status == "" {
		l.Status = "Open - Not Contacted"
	}
	s.leads[l.ID] = l
	return l
}

// UpdateLead applies change to lead id and moves LastModifiedDate and SystemModstamp to now.
func (s *Server) UpdateLead(id string, change func(*Lead)) (Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leads[id]
	if !ok || l.IsDeleted {
		return Lead{}, fmt.Errorf("update lead %s: no such lead", id)
	}
	change(&l)
	l.ID = id
	l.LastModifiedDate, l.SystemModstamp = s.now(), s.now()
	s.leads[id] = l
	return l, nil
}

// DeleteLead moves lead id to the recycle bin: IsDeleted becomes true, so only queryAll sees it.
func (s *Server) DeleteLead(id string) error {
	_, err := s.UpdateLead(id, func(l *Lead) { l.IsDeleted = true })
	return err
}

// Lead returns lead id, deleted or not.
func (s *Server) Lead(id string) (Lead, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leads[id]
	return l, ok
}

// Leads returns every lead, deleted ones included, by Id.
func (s *Server) Leads() []Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedLeads(true)
}

func (s *Server) sortedLeads(withDeleted bool) []Lead {
	out := make([]Lead, 0, len(s.leads))
	for _, l := range s.leads {
		if withDeleted || !l.IsDeleted {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Lead) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// locatorID makes a query locator in the documented shape, e.g. 01gD0000002HU6KIAW.
func locatorID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "01g" + string(b)
}
