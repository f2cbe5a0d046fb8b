package greenhouse

import (
	"fmt"
	"slices"
	"time"
)

// state is the fake's data; every access holds Server.mu.
type state struct {
	nextID       int64
	users        map[int64]User
	jobs         map[int64]Job
	candidates   map[int64]Candidate
	applications map[int64]Application
	offers       map[int64]Offer
}

func newState() state {
	return state{
		nextID:       1000,
		users:        map[int64]User{},
		jobs:         map[int64]Job{},
		candidates:   map[int64]Candidate{},
		applications: map[int64]Application{},
		offers:       map[int64]Offer{},
	}
}

func (st *state) id(want int64) int64 {
	if want != 0 {
		st.nextID = max(st.nextID, want)
		return want
	}
	st.nextID++
	return st.nextID
}

// AddUser stores u (ID assigned when zero) and returns it as stored.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	u.ID = s.st.id(u.ID)
	u.CreatedAt = orNow(u.CreatedAt, now)
	u.UpdatedAt = orNow(u.UpdatedAt, u.CreatedAt)
	s.st.users[u.ID] = u
	return u
}

// AddJob stores j (ID assigned when zero; Status defaults to "open") and returns it as stored.
func (s *Server) AddJob(j Job) Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	j.ID = s.st.id(j.ID)
	if j.Status == "" {
		j.Status = "open"
	}
	j.CreatedAt = orNow(j.CreatedAt, now)
	j.UpdatedAt = orNow(j.UpdatedAt, j.CreatedAt)
	s.st.jobs[j.ID] = cloneJob(j)
	return j
}

// AddCandidate stores c (ID assigned when zero) and returns it as stored.
func (s *Server) AddCandidate(c Candidate) Candidate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addCandidateLocked(c)
}

func (s *Server) addCandidateLocked(c Candidate) Candidate {
	now := s.now()
	c.ID = s.st.id(c.ID)
	c.CreatedAt = orNow(c.CreatedAt, now)
	c.UpdatedAt = orNow(c.UpdatedAt, c.CreatedAt)
	c.LastActivity = orNow(c.LastActivity, c.UpdatedAt)
	s.st.candidates[c.ID] = cloneCandidate(c)
	return c
}

// AddApplication stores a (ID assigned when zero; Status defaults to active, the stage to
// "Application Review"). The candidate and the job must exist.
func (s *Server) AddApplication(a Application) (Application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addApplicationLocked(a)
}

func (s *Server) addApplicationLocked(a Application) (Application, error) {
	if _, ok := s.st.candidates[a.CandidateID]; !ok {
		return Application{}, fmt.Errorf("add application: candidate %d does not exist", a.CandidateID)
	}
	if _, ok := s.st.jobs[a.JobID]; !ok {
		return Application{}, fmt.Errorf("add application: job %d does not exist", a.JobID)
	}
	now := s.now()
	a.ID = s.st.id(a.ID)
	if a.Status == "" {
		a.Status = StatusActive
	}
	if a.StageName == "" {
		a.StageID, a.StageName = 1, "Application Review"
	}
	a.AppliedAt = orNow(a.AppliedAt, now)
	a.LastActivityAt = orNow(a.LastActivityAt, a.AppliedAt)
	s.st.applications[a.ID] = a
	return a, nil
}

// Hire marks the application hired with an accepted offer starting on startDate (YYYY-MM-DD), the way
// a recruiter's "Mark as hired" does, and touches the candidate's updated_at and last_activity.
func (s *Server) Hire(applicationID int64, startDate string) (Application, error) {
	if _, err := time.Parse(time.DateOnly, startDate); err != nil {
		return Application{}, fmt.Errorf("hire application %d: start date %q is not YYYY-MM-DD", applicationID, startDate)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.applications[applicationID]
	if !ok {
		return Application{}, fmt.Errorf("hire application %d: no such application", applicationID)
	}
	now := s.now()
	a.Status, a.StageID, a.StageName = StatusHired, 5, "Offer"
	a.LastActivityAt = now
	s.st.applications[a.ID] = a
	o := Offer{ID: s.st.id(0), Version: 1, ApplicationID: a.ID, Status: "accepted", StartsAt: startDate,
		SentAt: now.Format(time.DateOnly), CreatedAt: now, UpdatedAt: now, ResolvedAt: &now}
	for id, old := range s.st.offers {
		if old.ApplicationID == a.ID && old.Status != "deprecated" {
			old.Status, old.UpdatedAt = "deprecated", now
			s.st.offers[id] = old
			o.Version = max(o.Version, old.Version+1)
		}
	}
	s.st.offers[o.ID] = o
	c := s.st.candidates[a.CandidateID]
	c.UpdatedAt, c.LastActivity = now, now
	s.st.candidates[c.ID] = c
	return a, nil
}

// UpdateCandidate applies change to the stored candidate and touches its updated_at, like an edit in
// the Greenhouse UI.
func (s *Server) UpdateCandidate(id int64, change func(*Candidate)) (Candidate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.candidates[id]
	if !ok {
		return Candidate{}, fmt.Errorf("update candidate %d: no such candidate", id)
	}
	c = cloneCandidate(c)
	change(&c)
	c.ID = id
	c.UpdatedAt, c.LastActivity = s.now(), s.now()
	s.st.candidates[id] = cloneCandidate(c)
	return c, nil
}

// Candidate returns the stored candidate with the given id.
func (s *Server) Candidate(id int64) (Candidate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.candidates[id]
	return cloneCandidate(c), ok
}

// Candidates returns every stored candidate, by ascending id.
func (s *Server) Candidates() []Candidate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return renderAll(where(s.st.candidates, nil), cloneCandidate)
}

// Application returns the stored application with the given id.
func (s *Server) Application(id int64) (Application, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.applications[id]
	return a, ok
}

// Applications returns every stored application, by ascending id.
func (s *Server) Applications() []Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	return where(s.st.applications, nil)
}

func (st *state) applicationsOf(candidateID int64) []Application {
	return where(st.applications, func(a Application) bool { return a.CandidateID == candidateID })
}

func (st *state) currentOffer(applicationID int64) (Offer, bool) {
	var best Offer
	found := false
	for _, id := range sortedKeys(st.offers) {
		o := st.offers[id]
		if o.ApplicationID == applicationID && o.Status != "deprecated" && (!found || o.Version > best.Version) {
			best, found = o, true
		}
	}
	return best, found
}

// where returns the values of m that keep accepts (all of them when keep is nil), by ascending id: the
// order every list endpoint answers in.
func where[V any](m map[int64]V, keep func(V) bool) []V {
	var out []V
	for _, id := range sortedKeys(m) {
		if v := m[id]; keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// renderAll renders each item in order.
func renderAll[V, J any](items []V, render func(V) J) []J {
	out := make([]J, 0, len(items))
	for _, v := range items {
		out = append(out, render(v))
	}
	return out
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

func cloneCandidate(c Candidate) Candidate {
	c.PhoneNumbers = slices.Clone(c.PhoneNumbers)
	c.Addresses = slices.Clone(c.Addresses)
	c.EmailAddresses = slices.Clone(c.EmailAddresses)
	c.WebsiteAddresses = slices.Clone(c.WebsiteAddresses)
	c.SocialMediaAddresses = slices.Clone(c.SocialMediaAddresses)
	c.Tags = slices.Clone(c.Tags)
	return c
}

func cloneJob(j Job) Job {
	j.Departments = slices.Clone(j.Departments)
	j.Offices = slices.Clone(j.Offices)
	j.HiringManagerIDs = slices.Clone(j.HiringManagerIDs)
	j.RecruiterIDs = slices.Clone(j.RecruiterIDs)
	return j
}
