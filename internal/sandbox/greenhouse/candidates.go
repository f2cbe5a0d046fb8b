package greenhouse

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

const maxCandidateIDs = 50

func (s *Server) listCandidates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq, errs := parsePage(q)
	created := windowParams(q, "created", &errs)
	updated := windowParams(q, "updated", &errs)
	jobID := idParam(q, "job_id", &errs)
	email := strings.ToLower(q.Get("email"))
	var ids []int64
	if v := q.Get("candidate_ids"); v != "" && email == "" { // documented: email wins over candidate_ids
		for _, part := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				errs = append(errs, fieldError{Message: "Must be a comma separated list of IDs", Field: "candidate_ids"})
				break
			}
			ids = append(ids, id)
		}
		if len(ids) > maxCandidateIDs {
			errs = append(errs, fieldError{Message: "At most 50 candidate IDs may be requested", Field: "candidate_ids"})
		}
	}
	if len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	listWhere(s, w, r, pq, s.st.candidates, func(c Candidate) bool {
		return created.contains(c.CreatedAt) && updated.contains(c.UpdatedAt) &&
			(ids == nil || slices.Contains(ids, c.ID)) &&
			(email == "" || slices.ContainsFunc(c.EmailAddresses, func(e TypedValue) bool { return strings.ToLower(e.Value) == email })) &&
			(jobID == 0 || slices.ContainsFunc(s.st.applicationsOf(c.ID), func(a Application) bool { return a.JobID == jobID }))
	}, s.st.renderCandidate)
}

func (s *Server) getCandidate(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, s.st.candidates, s.st.renderCandidate)
}

// candidateInput is the documented JSON body of POST and PATCH /v1/candidates. Pointers tell an
// absent field (keep) from an empty one (clear).
type candidateInput struct {
	FirstName            *string       `json:"first_name"`
	LastName             *string       `json:"last_name"`
	Company              *string       `json:"company"`
	Title                *string       `json:"title"`
	IsPrivate            *bool         `json:"is_private"`
	PhoneNumbers         *[]TypedValue `json:"phone_numbers"`
	Addresses            *[]TypedValue `json:"addresses"`
	EmailAddresses       *[]TypedValue `json:"email_addresses"`
	WebsiteAddresses     *[]TypedValue `json:"website_addresses"`
	SocialMediaAddresses *[]TypedValue `json:"social_media_addresses"`
	Tags                 *[]string     `json:"tags"`
	Recruiter            *userSelector `json:"recruiter"`
	Coordinator          *userSelector `json:"coordinator"`
	Applications         *[]struct {
		JobID int64 `json:"job_id"`
	} `json:"applications"`
}

// userSelector names a user by id or e-mail; the docs use both "id" and "user_id" in examples.
type userSelector struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
}

var allowedTypes = map[string][]string{
	"phone_numbers":     {"home", "work", "mobile", "skype", "other"},
	"addresses":         {"home", "work", "other"},
	"email_addresses":   {"personal", "work", "other"},
	"website_addresses": {"personal", "company", "portfolio", "blog", "other"},
}

func checkTyped(field string, vals *[]TypedValue, errs *[]fieldError) {
	if vals == nil {
		return
	}
	for _, v := range *vals {
		if strings.TrimSpace(v.Value) == "" {
			*errs = append(*errs, fieldError{Message: "value can't be blank", Field: field})
		}
		if allowed, ok := allowedTypes[field]; ok && !slices.Contains(allowed, v.Type) {
			*errs = append(*errs, fieldError{Message: "Must be one of: " + strings.Join(allowed, ", "), Field: field + ".type"})
		}
	}
}

// validate checks the input; creating requires first_name, last_name and at least one application.
func (s *Server) validate(in candidateInput, creating bool) []fieldError {
	var errs []fieldError
	for field, v := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName} {
		if (creating && v == nil) || (v != nil && strings.TrimSpace(*v) == "") {
			errs = append(errs, fieldError{Message: "can't be blank", Field: field})
		}
	}
	checkTyped("phone_numbers", in.PhoneNumbers, &errs)
	checkTyped("addresses", in.Addresses, &errs)
	checkTyped("email_addresses", in.EmailAddresses, &errs)
	checkTyped("website_addresses", in.WebsiteAddresses, &errs)
	checkTyped("social_media_addresses", in.SocialMediaAddresses, &errs)
	for field, sel := range map[string]*userSelector{"recruiter": in.Recruiter, "coordinator": in.Coordinator} {
		if sel != nil && s.st.findUser(*sel) == 0 {
			errs = append(errs, fieldError{Message: "No user matches the given id or email", Field: field})
		}
	}
	if creating && (in.Applications == nil || len(*in.Applications) == 0) {
		errs = append(errs, fieldError{Message: "At least one application is required", Field: "applications"})
	}
	if in.Applications != nil {
		for _, a := range *in.Applications {
			if _, ok := s.st.jobs[a.JobID]; !ok {
				errs = append(errs, fieldError{Message: "Job " + strconv.FormatInt(a.JobID, 10) + " does not exist", Field: "applications.job_id"})
			}
		}
	}
	slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

func (st *state) findUser(sel userSelector) int64 {
	for _, id := range []int64{sel.ID, sel.UserID} {
		if _, ok := st.users[id]; ok && id != 0 {
			return id
		}
	}
	for _, id := range sortedKeys(st.users) {
		if sel.Email != "" && strings.EqualFold(st.users[id].Email, sel.Email) {
			return id
		}
	}
	return 0
}

func (in candidateInput) apply(st *state, c *Candidate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Company, in.Company)
	set(&c.Title, in.Title)
	if in.IsPrivate != nil {
		c.IsPrivate = *in.IsPrivate
	}
	setList := func(dst *[]TypedValue, v *[]TypedValue) {
		if v != nil {
			*dst = slices.Clone(*v)
		}
	}
	setList(&c.PhoneNumbers, in.PhoneNumbers)
	setList(&c.Addresses, in.Addresses)
	setList(&c.EmailAddresses, in.EmailAddresses)
	setList(&c.WebsiteAddresses, in.WebsiteAddresses)
	setList(&c.SocialMediaAddresses, in.SocialMediaAddresses)
	if in.Tags != nil {
		c.Tags = slices.Clone(*in.Tags)
	}
	if in.Recruiter != nil {
		c.RecruiterID = st.findUser(*in.Recruiter)
	}
	if in.Coordinator != nil {
		c.CoordinatorID = st.findUser(*in.Coordinator)
	}
}

func decodeCandidate(w http.ResponseWriter, r *http.Request) (candidateInput, bool) {
	var in candidateInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeMessage(w, http.StatusBadRequest, "Request body is not valid JSON: "+err.Error())
		return in, false
	}
	return in, true
}

func (s *Server) createCandidate(w http.ResponseWriter, r *http.Request) {
	if fe, ok := s.onBehalfOf(r); !ok {
		writeValidation(w, fe)
		return
	}
	in, ok := decodeCandidate(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if errs := s.validate(in, true); len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	var c Candidate
	in.apply(&s.st, &c)
	c = s.addCandidateLocked(c)
	for _, a := range *in.Applications {
		if _, err := s.addApplicationLocked(Application{CandidateID: c.ID, JobID: a.JobID}); err != nil {
			writeMessage(w, http.StatusInternalServerError, err.Error()) // validated above; cannot happen
			return
		}
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.st.renderCandidate(s.st.candidates[c.ID]))
}

func (s *Server) patchCandidate(w http.ResponseWriter, r *http.Request) {
	if fe, ok := s.onBehalfOf(r); !ok {
		writeValidation(w, fe)
		return
	}
	id, idOK := pathID(r)
	in, ok := decodeCandidate(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.st.candidates[id]
	if !idOK || !found {
		writeMessage(w, http.StatusNotFound, "Resource not found")
		return
	}
	in.Applications = nil // not an editable field of PATCH
	if errs := s.validate(in, false); len(errs) > 0 {
		writeValidation(w, errs...)
		return
	}
	c = cloneCandidate(c)
	in.apply(&s.st, &c)
	now := s.now()
	c.UpdatedAt, c.LastActivity = now, now
	s.st.candidates[id] = c
	fakehttp.WriteJSON(w, http.StatusOK, s.st.renderCandidate(c))
}
