package greenhouse

import (
	"net/http"
	"slices"
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
	// Documented: an unknown status yields an empty answer rather than an error.
	known := !filterStatus || slices.Contains(applicationStatuses, status)
	listWhere(s, w, r, pq, s.st.applications, func(a Application) bool {
		return known && (!filterStatus || a.Status == status) && created.contains(a.AppliedAt) &&
			(lastActivityAfter.IsZero() || !a.LastActivityAt.Before(lastActivityAfter)) &&
			(jobID == 0 || a.JobID == jobID)
	}, s.st.renderApplication)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, s.st.applications, s.st.renderApplication)
}

func (s *Server) getCurrentOffer(w http.ResponseWriter, r *http.Request) {
	getOne(s, w, r, func(id int64) (offerJSON, bool) {
		o, ok := s.st.currentOffer(id)
		return s.st.renderOffer(o), ok
	})
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
	matched := where(st.offers, keep)
	slices.SortStableFunc(matched, func(a, b Offer) int { return int(a.ApplicationID - b.ApplicationID) })
	return renderAll(matched, st.renderOffer)
}
