package sandbox

import (
	"fmt"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/bamboohr"
	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/salesforce"
)

// The demo's second act: one change per scenario source, each acting on a seeded record.

// HireCandidate marks the seeded pending application (Grace Hopper, Account Executive) hired with a
// start date two weeks ahead: scenario 1 then creates her employee in BambooHR.
func (a *Apps) HireCandidate() (greenhouse.Application, error) {
	app, ok := a.Greenhouse.Application(a.Seed.PendingApplicationID)
	if !ok {
		return greenhouse.Application{}, fmt.Errorf("hire candidate: seeded application %d is gone", a.Seed.PendingApplicationID)
	}
	if app.Status == greenhouse.StatusHired {
		return greenhouse.Application{}, fmt.Errorf("hire candidate: application %d is already hired", app.ID)
	}
	return a.Greenhouse.Hire(app.ID, a.now().UTC().Add(14*24*time.Hour).Format(time.DateOnly))
}

// ChangeTitle promotes the seeded engineer (Marcus Chen) in BambooHR: scenario 4 then updates his
// product user.
func (a *Apps) ChangeTitle() (bamboohr.Employee, error) {
	id := a.Seed.PromotedEmployeeID
	if err := a.BambooHR.UpdateEmployee(id, map[string]string{"jobTitle": "Senior Software Engineer"}); err != nil {
		return bamboohr.Employee{}, fmt.Errorf("change title: %w", err)
	}
	e, _ := a.BambooHR.Employee(id)
	return e, nil
}

// AddLead adds a new Salesforce lead: scenario 2 then posts it to #leads, once.
func (a *Apps) AddLead() salesforce.Lead {
	return a.Salesforce.AddLead(salesforce.Lead{FirstName: "Noor", LastName: "Haddad", Title: "Director of IT",
		Company: "Tailspin Toys", LeadSource: "Webinar", Email: "noor.haddad@tailspin.example"})
}

// TerminateEmployee terminates the seeded account executive (Lena Fischer) in BambooHR: scenario 4
// then deactivates her product user.
func (a *Apps) TerminateEmployee() (bamboohr.Employee, error) {
	id := a.Seed.TerminatedEmployeeID
	if err := a.BambooHR.Terminate(id, a.now().UTC().Format(time.DateOnly)); err != nil {
		return bamboohr.Employee{}, fmt.Errorf("terminate employee: %w", err)
	}
	e, _ := a.BambooHR.Employee(id)
	return e, nil
}
