package greenhouse

import (
	"net/http"
	"strings"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
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
	out := []jobJSON{}
	for _, id := range sortedKeys(s.st.jobs) {
		j := s.st.jobs[id]
		if (status == "" || j.Status == status) && created.contains(j.CreatedAt) && updated.contains(j.UpdatedAt) {
			out = append(out, s.st.renderJob(j))
		}
	}
	s.mu.Unlock()
	writePage(w, r, out, pq)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	j, ok := s.st.jobs[id]
	out := s.st.renderJob(j)
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq, errs := parsePage(q)
	created := windowParams(q, "created", &errs)
	updated := windowParams(q, "updated", &errs)
	if len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	email, employeeID := q.Get("email"), q.Get("employee_id")
	s.mu.Lock()
	out := []userJSON{}
	for _, id := range sortedKeys(s.st.users) {
		u := s.st.users[id]
		if (email == "" || strings.EqualFold(u.Email, email)) && (employeeID == "" || u.EmployeeID == employeeID) &&
			created.contains(u.CreatedAt) && updated.contains(u.UpdatedAt) {
			out = append(out, renderUser(u))
		}
	}
	s.mu.Unlock()
	writePage(w, r, out, pq)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.mu.Lock()
	u, ok := s.st.users[id]
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, renderUser(u))
}
