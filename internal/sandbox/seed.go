package sandbox

import (
	"fmt"
	"strconv"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/salesforce"
)

// Seed names the seeded records that the scenarios and the demo changes refer to.
type Seed struct {
	// GreenhouseUserID is a recruiter to send as On-Behalf-Of on Greenhouse writes.
	GreenhouseUserID int64
	// GreenhouseJobID is the job new candidates apply to (scenario 3 posts applications to it).
	GreenhouseJobID int64
	// HiredApplicationID is already hired at start; PendingApplicationID is hired by HireCandidate.
	HiredApplicationID   int64
	PendingApplicationID int64
	// PromotedEmployeeID gets a new title from ChangeTitle; TerminatedEmployeeID is terminated by
	// TerminateEmployee; FormerEmployeeID was terminated before the sandbox started.
	PromotedEmployeeID   int
	TerminatedEmployeeID int
	FormerEmployeeID     int
	// SlackChannelID is the ID of #leads, empty at start.
	SlackChannelID string
}

func (a *Apps) seed() error {
	now := a.now().UTC()
	day := 24 * time.Hour
	gh := a.Greenhouse

	dana := gh.AddUser(greenhouse.User{FirstName: "Dana", LastName: "Whitfield", Email: "dana.whitfield@example.com", EmployeeID: "E-1001", CreatedAt: now.Add(-400 * day)})
	priya := gh.AddUser(greenhouse.User{FirstName: "Priya", LastName: "Shah", Email: "priya.shah@example.com", EmployeeID: "E-1002", CreatedAt: now.Add(-400 * day)})
	sam := gh.AddUser(greenhouse.User{FirstName: "Sam", LastName: "Rivera", Email: "sam.rivera@example.com", EmployeeID: "E-1003", SiteAdmin: true, CreatedAt: now.Add(-300 * day)})
	backend := gh.AddJob(greenhouse.Job{Name: "Backend Engineer", Departments: []string{"Engineering"}, Offices: []string{"Berlin"},
		HiringManagerIDs: []int64{dana.ID}, RecruiterIDs: []int64{sam.ID}, CreatedAt: now.Add(-60 * day)})
	sales := gh.AddJob(greenhouse.Job{Name: "Account Executive", Departments: []string{"Sales"}, Offices: []string{"Chicago"},
		HiringManagerIDs: []int64{priya.ID}, RecruiterIDs: []int64{sam.ID}, CreatedAt: now.Add(-45 * day)})
	a.Seed.GreenhouseUserID, a.Seed.GreenhouseJobID = sam.ID, backend.ID

	type person struct {
		first, last, title, email, address string
		job                                greenhouse.Job
		stage                              string
		status                             string
		ago                                time.Duration
	}
	people := []person{
		{"Ada", "Lovelace", "Senior Engineer", "ada.lovelace@example.com", "12 Analytical Way\nSpringfield, IL 62701\nUnited States", backend, "Offer", greenhouse.StatusActive, 30 * day},
		{"Grace", "Hopper", "Account Manager", "grace.hopper@example.com", "1 Compiler Court\nArlington, VA 22201\nUnited States", sales, "Offer", greenhouse.StatusActive, 20 * day},
		{"Alan", "Turing", "Engineer", "alan.turing@example.com", "7 Enigma Road\nAustin, TX 73301\nUnited States", backend, "Face to Face", greenhouse.StatusActive, 10 * day},
		{"Katherine", "Johnson", "Analyst", "katherine.johnson@example.com", "3 Orbit Lane\nHampton, VA 23669\nUnited States", sales, "Phone Screen", greenhouse.StatusRejected, 15 * day},
	}
	var apps []greenhouse.Application
	for i, p := range people {
		at := now.Add(-p.ago)
		c := gh.AddCandidate(greenhouse.Candidate{
			FirstName: p.first, LastName: p.last, Title: p.title, Company: "Previous Co",
			EmailAddresses: []greenhouse.TypedValue{{Value: p.email, Type: "personal"}},
			PhoneNumbers:   []greenhouse.TypedValue{{Value: fmt.Sprintf("555-010%d", i), Type: "mobile"}},
			Addresses:      []greenhouse.TypedValue{{Value: p.address, Type: "home"}},
			RecruiterID:    sam.ID, CreatedAt: at,
		})
		app := greenhouse.Application{CandidateID: c.ID, JobID: p.job.ID, Status: p.status, StageID: int64(10 + i), StageName: p.stage,
			SourceID: 7, SourceName: "Referral", AppliedAt: at}
		if p.status == greenhouse.StatusRejected {
			r := at.Add(5 * day)
			app.RejectedAt, app.LastActivityAt = &r, r
		}
		stored, err := gh.AddApplication(app)
		if err != nil {
			return err
		}
		apps = append(apps, stored)
	}
	hired, err := gh.Hire(apps[0].ID, now.Add(14*day).Format(time.DateOnly))
	if err != nil {
		return err
	}
	a.Seed.HiredApplicationID, a.Seed.PendingApplicationID = hired.ID, apps[1].ID

	if err := a.seedBambooHR(now); err != nil {
		return err
	}
	a.seedSalesforce(now)
	a.Seed.SlackChannelID = a.Slack.AddChannel(SlackChannel)
	hook, err := a.Slack.AddWebhook(SlackChannel)
	if err != nil {
		return err
	}
	a.SlackWebhookURL = hook
	return nil
}

func (a *Apps) seedBambooHR(now time.Time) error {
	add := func(f map[string]string) (int, error) {
		f["country"], f["state"] = "United States", orDefault(f["state"], "IL")
		return a.BambooHR.AddEmployee(f)
	}
	dana, err := add(map[string]string{"firstName": "Dana", "lastName": "Whitfield", "employeeNumber": "E-1001",
		"workEmail": "dana.whitfield@example.com", "jobTitle": "Engineering Manager", "department": "Engineering",
		"location": "Berlin", "address1": "5 Lindenstrasse", "city": "Springfield", "zipcode": "62701", "hireDate": "2021-02-01"})
	if err != nil {
		return err
	}
	priya, err := add(map[string]string{"firstName": "Priya", "lastName": "Shah", "employeeNumber": "E-1002",
		"workEmail": "priya.shah@example.com", "jobTitle": "VP Sales", "department": "Sales",
		"location": "Chicago", "address1": "200 Wacker Dr", "city": "Chicago", "zipcode": "60606", "hireDate": "2020-06-15"})
	if err != nil {
		return err
	}
	marcus, err := add(map[string]string{"firstName": "Marcus", "lastName": "Chen", "employeeNumber": "E-1004",
		"workEmail": "marcus.chen@example.com", "jobTitle": "Software Engineer", "department": "Engineering",
		"location": "Berlin", "address1": "9 Elm St", "city": "Springfield", "zipcode": "62702", "hireDate": "2023-09-04",
		"supervisorEId": strconv.Itoa(dana)})
	if err != nil {
		return err
	}
	lena, err := add(map[string]string{"firstName": "Lena", "lastName": "Fischer", "employeeNumber": "E-1005",
		"workEmail": "lena.fischer@example.com", "jobTitle": "Account Executive", "department": "Sales",
		"location": "Chicago", "address1": "44 Lake Shore Dr", "city": "Chicago", "zipcode": "60611", "hireDate": "2022-01-10",
		"supervisorEId": strconv.Itoa(priya)})
	if err != nil {
		return err
	}
	tom, err := add(map[string]string{"firstName": "Tom", "lastName": "Becker", "employeeNumber": "E-1003",
		"workEmail": "tom.becker@example.com", "jobTitle": "Support Engineer", "department": "Support",
		"location": "Chicago", "address1": "8 Oak Ave", "city": "Chicago", "zipcode": "60614", "hireDate": "2019-03-18",
		"supervisorEId": strconv.Itoa(priya)})
	if err != nil {
		return err
	}
	if err := a.BambooHR.Terminate(tom, now.Add(-90*24*time.Hour).Format(time.DateOnly)); err != nil {
		return err
	}
	a.Seed.PromotedEmployeeID, a.Seed.TerminatedEmployeeID, a.Seed.FormerEmployeeID = marcus, lena, tom
	return nil
}

func (a *Apps) seedSalesforce(now time.Time) {
	leads := []salesforce.Lead{
		{FirstName: "Jordan", LastName: "Blake", Title: "CTO", Company: "Northwind Traders", LeadSource: "Web", Email: "jordan.blake@northwind.example"},
		{FirstName: "Mia", LastName: "Wong", Title: "Head of Data", Company: "Contoso", LeadSource: "Partner Referral", Email: "mia.wong@contoso.example"},
		{FirstName: "Luis", LastName: "Ortega", Title: "VP Engineering", Company: "Fabrikam", LeadSource: "Trade Show", Email: "luis.ortega@fabrikam.example"},
	}
	for i, l := range leads {
		at := now.Add(time.Duration(i-len(leads)) * time.Hour)
		l.CreatedDate, l.LastModifiedDate, l.SystemModstamp = at, at, at
		a.Salesforce.AddLead(l)
	}
	spam := a.Salesforce.AddLead(salesforce.Lead{LastName: "Spam", Company: "Nowhere", LeadSource: "Web",
		CreatedDate: now.Add(-5 * time.Hour), LastModifiedDate: now.Add(-5 * time.Hour), SystemModstamp: now.Add(-5 * time.Hour)})
	_ = a.Salesforce.DeleteLead(spam.ID) // deleted before the demo starts: only queryAll sees it
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
