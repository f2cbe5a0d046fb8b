package greenhouse

import "time"

// TypedValue is a candidate's phone number, address, e-mail or website: a value and its type
// ("home", "work", "mobile", "personal", ...).
type TypedValue struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// User is a Greenhouse user: recruiters, coordinators, hiring managers, and the On-Behalf-Of of writes.
type User struct {
	ID         int64
	FirstName  string
	LastName   string
	Email      string
	EmployeeID string
	Disabled   bool
	SiteAdmin  bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Name is the user's display name, as the API renders it.
func (u User) Name() string { return u.FirstName + " " + u.LastName }

// Job is a requisition; HiringManagerIDs name Users.
type Job struct {
	ID               int64
	Name             string
	Status           string // open, closed or draft
	Departments      []string
	Offices          []string
	HiringManagerIDs []int64
	RecruiterIDs     []int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Candidate is a person in the ATS. Applications are stored separately and rendered inside it.
type Candidate struct {
	ID                   int64
	FirstName            string
	LastName             string
	Company              string
	Title                string
	IsPrivate            bool
	PhoneNumbers         []TypedValue
	Addresses            []TypedValue
	EmailAddresses       []TypedValue
	WebsiteAddresses     []TypedValue
	SocialMediaAddresses []TypedValue
	Tags                 []string
	RecruiterID          int64 // 0: none
	CoordinatorID        int64 // 0: none
	CreatedAt            time.Time
	UpdatedAt            time.Time
	LastActivity         time.Time
}

// Application ties a candidate to one job. Status is one of active, rejected, hired, converted.
type Application struct {
	ID             int64
	CandidateID    int64
	JobID          int64
	Prospect       bool
	Status         string
	StageID        int64
	StageName      string
	SourceID       int64
	SourceName     string
	AppliedAt      time.Time
	RejectedAt     *time.Time
	LastActivityAt time.Time
}

// Offer is an offer made on an application; StartsAt is the start date (YYYY-MM-DD).
type Offer struct {
	ID            int64
	Version       int
	ApplicationID int64
	Status        string // unresolved, accepted, rejected, deprecated
	StartsAt      string
	SentAt        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ResolvedAt    *time.Time
}

// Application statuses, as documented.
const (
	StatusActive    = "active"
	StatusRejected  = "rejected"
	StatusHired     = "hired"
	StatusConverted = "converted"
)
