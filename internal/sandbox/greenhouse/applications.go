package greenhouse

import (
	"net/http"
	"slices"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

var applicationStatuses = []string{StatusActive, StatusConverted, StatusHired, StatusRejected}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq, errs := parsePage(q)
	created := windowParams(q, "created", &errs)
	lastActivityAfter := timeParam(q, "last_activity_after", &errs)
	jobID := idParam(q, "job_id", &errs)
	if len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	status, filterStatus := q.Get("status"), q.Has("status")
	out := []applicationJSON{}
	// Documented: an unknown status yields an empty answer rather than an error.
	if !filterStatus || slices.Contains(applicationStatuses, status) {
		s.mu.Lock()
		for _, id := range sortedKeys(s.st.applications) {
			a := s.st.applications[id]
			if (filterStatus && a.Status != status) || !created.contains(a.AppliedAt) ||
				(!lastActivityAfter.IsZero() && a.LastActivityAt.Before(lastActivityAfter)) ||
				(jobID != 0 && a.JobID != jobID) {
				continue
			}
			out = append(out, s.st.renderApplication(a))
		}
		s.mu.Unlock()
	}
	writePage(w, r, out, pq)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	a, ok := s.st.applications[id]
	out := s.st.renderApplication(a)
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getCurrentOffer(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	o, ok := s.st.currentOffer(id)
	out := s.st.renderOffer(o)
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) listApplicationOffers(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	pq, errs := parsePage(r.URL.Query())
	if len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	s.mu.Lock()
	_, ok := s.st.applications[id]
	out := s.st.offersWhere(func(o Offer) bool { return o.ApplicationID == id })
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	writePage(w, r, out, pq)
}

func (s *Server) listOffers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq, errs := parsePage(q)
	created := windowParams(q, "created", &errs)
	updated := windowParams(q, "updated", &errs)
	if len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	status := q.Get("status")
	s.mu.Lock()
	out := s.st.offersWhere(func(o Offer) bool {
		return (status == "" || o.Status == status) && created.contains(o.CreatedAt) && updated.contains(o.UpdatedAt)
	})
	s.mu.Unlock()
	writePage(w, r, out, pq)
}

// offersWhere renders the matching offers ordered by application_id, as the List Offers docs say.
func (st *state) offersWhere(keep func(Offer) bool) []offerJSON {
	var matched []Offer
	for _, id := range sortedKeys(st.offers) {
		if o := st.offers[id]; keep(o) {
			matched = append(matched, o)
		}
	}
	slices.SortStableFunc(matched, func(a, b Offer) int { return int(a.ApplicationID - b.ApplicationID) })
	out := []offerJSON{}
	for _, o := range matched {
		out = append(out, st.renderOffer(o))
	}
	return out
}
