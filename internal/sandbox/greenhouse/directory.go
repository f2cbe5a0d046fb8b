package greenhouse

import (
	"net/http"
	"strings"
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
	listWhere(s, w, r, pq, s.st.jobs, func(j Job) bool {
		return (status == "" || j.Status == status) && created.contains(j.CreatedAt) && updated.contains(j.UpdatedAt)
	}, s.st.renderJob)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, s.st.jobs, s.st.renderJob)
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
	listWhere(s, w, r, pq, s.st.users, func(u User) bool {
		return (email == "" || strings.EqualFold(u.Email, email)) && (employeeID == "" || u.EmployeeID == employeeID) &&
			created.contains(u.CreatedAt) && updated.contains(u.UpdatedAt)
	}, renderUser)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, s.st.users, renderUser)
}
