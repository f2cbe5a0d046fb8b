package greenhouse

import "time"

// The JSON shapes below follow the documented objects field by field; properties without a value are
// rendered as null, as the Harvest "General considerations" require.

type userRef struct {
	ID         int64   `json:"id"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	Name       string  `json:"name"`
	EmployeeID *string `json:"employee_id"`
}

type idName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type applicationJSON struct {
	ID               int64    `json:"id"`
	CandidateID      int64    `json:"candidate_id"`
	Prospect         bool     `json:"prospect"`
	AppliedAt        string   `json:"applied_at"`
	RejectedAt       *string  `json:"rejected_at"`
	LastActivityAt   string   `json:"last_activity_at"`
	Location         any      `json:"location"`
	Source           any      `json:"source"`
	CreditedTo       any      `json:"credited_to"`
	RejectionReason  any      `json:"rejection_reason"`
	RejectionDetails any      `json:"rejection_details"`
	Jobs             []idName `json:"jobs"`
	JobPostID        any      `json:"job_post_id"`
	Status           string   `json:"status"`
	CurrentStage     *idName  `json:"current_stage"`
	Answers          []any    `json:"answers"`
	ProspectiveOff   any      `json:"prospective_office"`
	ProspectiveDept  any      `json:"prospective_department"`
	ProspectDetail   any      `json:"prospect_detail"`
	CustomFields     any      `json:"custom_fields"`
	KeyedCustom      any      `json:"keyed_custom_fields"`
	Attachments      []any    `json:"attachments"`
}

type candidateJSON struct {
	ID                   int64             `json:"id"`
	FirstName            string            `json:"first_name"`
	LastName             string            `json:"last_name"`
	Company              *string           `json:"company"`
	Title                *string           `json:"title"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
	LastActivity         string            `json:"last_activity"`
	IsPrivate            bool              `json:"is_private"`
	PhotoURL             any               `json:"photo_url"`
	Attachments          []any             `json:"attachments"`
	ApplicationIDs       []int64           `json:"application_ids"`
	PhoneNumbers         []TypedValue      `json:"phone_numbers"`
	Addresses            []TypedValue      `json:"addresses"`
	EmailAddresses       []TypedValue      `json:"email_addresses"`
	WebsiteAddresses     []TypedValue      `json:"website_addresses"`
	SocialMediaAddresses []TypedValue      `json:"social_media_addresses"`
	Recruiter            *userRef          `json:"recruiter"`
	Coordinator          *userRef          `json:"coordinator"`
	CanEmail             bool              `json:"can_email"`
	Tags                 []string          `json:"tags"`
	Applications         []applicationJSON `json:"applications"`
	Educations           []any             `json:"educations"`
	Employments          []any             `json:"employments"`
	LinkedUserIDs        []int64           `json:"linked_user_ids"`
	CustomFields         map[string]any    `json:"custom_fields"`
	KeyedCustomFields    map[string]any    `json:"keyed_custom_fields"`
}

type jobJSON struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	RequisitionID any            `json:"requisition_id"`
	Notes         any            `json:"notes"`
	Confidential  bool           `json:"confidential"`
	Status        string         `json:"status"`
	CreatedAt     string         `json:"created_at"`
	OpenedAt      string         `json:"opened_at"`
	ClosedAt      any            `json:"closed_at"`
	UpdatedAt     string         `json:"updated_at"`
	IsTemplate    bool           `json:"is_template"`
	CopiedFromID  any            `json:"copied_from_id"`
	Departments   []idName       `json:"departments"`
	Offices       []idName       `json:"offices"`
	CustomFields  map[string]any `json:"custom_fields"`
	HiringTeam    hiringTeam     `json:"hiring_team"`
	Openings      []any          `json:"openings"`
}

type hiringTeam struct {
	HiringManagers []userRef `json:"hiring_managers"`
	Recruiters     []userRef `json:"recruiters"`
	Coordinators   []userRef `json:"coordinators"`
	Sourcers       []userRef `json:"sourcers"`
}

type userJSON struct {
	ID                  int64    `json:"id"`
	Name                string   `json:"name"`
	FirstName           string   `json:"first_name"`
	LastName            string   `json:"last_name"`
	PrimaryEmailAddress string   `json:"primary_email_address"`
	UpdatedAt           string   `json:"updated_at"`
	CreatedAt           string   `json:"created_at"`
	Disabled            bool     `json:"disabled"`
	SiteAdmin           bool     `json:"site_admin"`
	Emails              []string `json:"emails"`
	EmployeeID          *string  `json:"employee_id"`
	LinkedCandidateIDs  []int64  `json:"linked_candidate_ids"`
	Offices             []any    `json:"offices"`
	Departments         []any    `json:"departments"`
}

type offerJSON struct {
	ID            int64          `json:"id"`
	Version       int            `json:"version"`
	ApplicationID int64          `json:"application_id"`
	JobID         int64          `json:"job_id"`
	CandidateID   int64          `json:"candidate_id"`
	Opening       any            `json:"opening"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     string         `json:"updated_at"`
	SentAt        *string        `json:"sent_at"`
	ResolvedAt    *string        `json:"resolved_at"`
	StartsAt      *string        `json:"starts_at"`
	Status        string         `json:"status"`
	CustomFields  map[string]any `json:"custom_fields"`
	KeyedCustom   map[string]any `json:"keyed_custom_fields"`
}

// stamp renders a time the way Harvest does: ISO-8601 in UTC with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (st *state) userRef(id int64) *userRef {
	u, ok := st.users[id]
	if !ok {
		return nil
	}
	return &userRef{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Name: u.Name(), EmployeeID: optString(u.EmployeeID)}
}

func (st *state) renderApplication(a Application) applicationJSON {
	out := applicationJSON{
		ID: a.ID, CandidateID: a.CandidateID, Prospect: a.Prospect,
		AppliedAt: stamp(a.AppliedAt), LastActivityAt: stamp(a.LastActivityAt),
		Jobs: []idName{}, Status: a.Status, Answers: []any{}, Attachments: []any{},
		ProspectDetail: map[string]any{"prospect_pool": nil, "prospect_stage": nil, "prospect_owner": nil},
		CustomFields:   map[string]any{}, KeyedCustom: map[string]any{},
	}
	if a.RejectedAt != nil {
		r := stamp(*a.RejectedAt)
		out.RejectedAt = &r
	}
	if a.SourceName != "" {
		out.Source = map[string]any{"id": a.SourceID, "public_name": a.SourceName}
	}
	if j, ok := st.jobs[a.JobID]; ok {
		out.Jobs = append(out.Jobs, idName{ID: j.ID, Name: j.Name})
	}
	if a.StageName != "" {
		out.CurrentStage = &idName{ID: a.StageID, Name: a.StageName}
	}
	return out
}

func (st *state) renderCandidate(c Candidate) candidateJSON {
	apps := st.applicationsOf(c.ID)
	out := candidateJSON{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName,
		Company: optString(c.Company), Title: optString(c.Title),
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt), LastActivity: stamp(c.LastActivity),
		IsPrivate: c.IsPrivate, Attachments: []any{}, ApplicationIDs: []int64{},
		PhoneNumbers: nonNil(c.PhoneNumbers), Addresses: nonNil(c.Addresses),
		EmailAddresses: nonNil(c.EmailAddresses), WebsiteAddresses: nonNil(c.WebsiteAddresses),
		SocialMediaAddresses: nonNil(c.SocialMediaAddresses),
		Recruiter:            st.userRef(c.RecruiterID), Coordinator: st.userRef(c.CoordinatorID),
		CanEmail: true, Tags: nonNil(c.Tags), Applications: []applicationJSON{},
		Educations: []any{}, Employments: []any{}, LinkedUserIDs: []int64{},
		CustomFields: map[string]any{}, KeyedCustomFields: map[string]any{},
	}
	for _, a := range apps {
		out.ApplicationIDs = append(out.ApplicationIDs, a.ID)
		out.Applications = append(out.Applications, st.renderApplication(a))
	}
	return out
}

func (st *state) renderJob(j Job) jobJSON {
	out := jobJSON{
		ID: j.ID, Name: j.Name, Status: j.Status,
		CreatedAt: stamp(j.CreatedAt), OpenedAt: stamp(j.CreatedAt), UpdatedAt: stamp(j.UpdatedAt),
		Departments: []idName{}, Offices: []idName{}, CustomFields: map[string]any{}, Openings: []any{},
		HiringTeam: hiringTeam{HiringManagers: []userRef{}, Recruiters: []userRef{}, Coordinators: []userRef{}, Sourcers: []userRef{}},
	}
	for i, d := range j.Departments {
		out.Departments = append(out.Departments, idName{ID: j.ID*100 + int64(i) + 1, Name: d})
	}
	for i, o := range j.Offices {
		out.Offices = append(out.Offices, idName{ID: j.ID*100 + int64(i) + 51, Name: o})
	}
	for _, id := range j.HiringManagerIDs {
		if r := st.userRef(id); r != nil {
			out.HiringTeam.HiringManagers = append(out.HiringTeam.HiringManagers, *r)
		}
	}
	for _, id := range j.RecruiterIDs {
		if r := st.userRef(id); r != nil {
			out.HiringTeam.Recruiters = append(out.HiringTeam.Recruiters, *r)
		}
	}
	return out
}

func renderUser(u User) userJSON {
	return userJSON{
		ID: u.ID, Name: u.Name(), FirstName: u.FirstName, LastName: u.LastName,
		PrimaryEmailAddress: u.Email, UpdatedAt: stamp(u.UpdatedAt), CreatedAt: stamp(u.CreatedAt),
		Disabled: u.Disabled, SiteAdmin: u.SiteAdmin, Emails: []string{u.Email},
		EmployeeID: optString(u.EmployeeID), LinkedCandidateIDs: []int64{}, Offices: []any{}, Departments: []any{},
	}
}

func (st *state) renderOffer(o Offer) offerJSON {
	a := st.applications[o.ApplicationID]
	out := offerJSON{
		ID: o.ID, Version: o.Version, ApplicationID: o.ApplicationID, JobID: a.JobID, CandidateID: a.CandidateID,
		CreatedAt: stamp(o.CreatedAt), UpdatedAt: stamp(o.UpdatedAt), SentAt: optString(o.SentAt),
		StartsAt: optString(o.StartsAt), Status: o.Status, CustomFields: map[string]any{}, KeyedCustom: map[string]any{},
	}
	if o.ResolvedAt != nil {
		r := stamp(*o.ResolvedAt)
		out.ResolvedAt = &r
	}
	return out
}
