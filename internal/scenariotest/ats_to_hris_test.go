package scenariotest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/internal/sandbox"
	"github.com/onewaysync/oneway/internal/sandbox/bamboohr"
	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
)

// The fields scenario 1 writes to BambooHR, and nothing else: the key (employeeNumber) and the chosen
// fields (name, job title, address, hiring manager, start date).
var atsToHRISFields = []string{"employeeNumber", "firstName", "lastName", "jobTitle", "address1", "city", "state",
	"zipcode", "country", "supervisorEId", "hireDate"}

// A hire in Greenhouse becomes one BambooHR employee with exactly the chosen fields; a later title or
// address change updates that employee and nothing else, leaving the fields HR keeps in BambooHR alone;
// the ledger keeps BambooHR's id; a lost ledger adopts the employee instead of duplicating it.
func TestATSToHRIS(t *testing.T) {
	apps := startApps(t, sandbox.Options{GreenhouseRateLimit: -1})
	bamboo := apps.BambooHR
	sc := newScenario(t, "ats-to-hris")
	const target = "hris/employees"
	ada := apps.Seed.HiredApplicationID
	dana, _ := bamboo.FindByWorkEmail("dana.whitfield@example.com")
	priya, _ := bamboo.FindByWorkEmail("priya.shah@example.com")
	seeded := bamboo.Employees()

	requireCounts(t, sc.run(), counts{Create: 1})
	emp := employeeByNumber(t, bamboo, fmt.Sprint("GH-", ada))
	startDate := time.Now().UTC().Add(14 * 24 * time.Hour).Format(time.DateOnly)
	want := map[string]string{"status": "Active", "employeeNumber": fmt.Sprint("GH-", ada), "firstName": "Ada", "lastName": "Lovelace",
		"jobTitle": "Backend Engineer", "address1": "12 Analytical Way", "city": "Springfield", "state": "IL", "zipcode": "62701",
		"country": "United States", "supervisorEId": strconv.Itoa(dana.ID), "hireDate": emp.Fields["hireDate"]}
	if diff := cmp.Diff(want, emp.Fields); diff != "" {
		t.Errorf("the hired candidate's employee (-want +got):\n%s", diff)
	}
	if h := emp.Fields["hireDate"]; h != startDate && h != time.Now().UTC().Add(13*24*time.Hour).Format(time.DateOnly) {
		t.Errorf("hireDate %q, want the offer's start date %s", h, startDate)
	}
	creates := posts(bamboo, "/employees")
	if len(creates) != 1 {
		t.Fatalf("%d creates sent to BambooHR, want 1", len(creates))
	}
	if got := slices.Sorted(maps.Keys(bodyFields(t, creates[0].Body))); !slices.Equal(got, slices.Sorted(slices.Values(atsToHRISFields))) {
		t.Errorf("the create sent the fields %v, want exactly %v", got, atsToHRISFields)
	}
	if e, ok := sc.entry("ats-to-hris", target, ada); !ok || e.TargetID != strconv.Itoa(emp.ID) {
		t.Errorf("ledger entry of application %d: %+v (found %v), want BambooHR's id %d", ada, e, ok, emp.ID)
	}
	for _, e := range seeded {
		if now, _ := bamboo.Employee(e.ID); !now.LastChanged.Equal(e.LastChanged) {
			t.Errorf("employee %d, not a hire, was changed", e.ID)
		}
	}

	// HR completes the employee in BambooHR: fields the sync does not own.
	hr := map[string]string{"department": "Engineering", "workEmail": "ada.lovelace@corp.example", "mobilePhone": "555-0199", "location": "Berlin"}
	if err := bamboo.UpdateEmployee(emp.ID, hr); err != nil {
		t.Fatal(err)
	}
	requireCounts(t, sc.run(), counts{Unchanged: 1})

	// The job is renamed in Greenhouse: a title change.
	app, _ := apps.Greenhouse.Application(ada)
	renameJob(t, apps, app.JobID, "Staff Backend Engineer")
	before, _ := bamboo.Employee(emp.ID)
	sent := len(bamboo.Journal.Requests())
	requireCounts(t, sc.run(), counts{Update: 1})
	after, _ := bamboo.Employee(emp.ID)
	wantAfter := maps.Clone(before.Fields)
	wantAfter["jobTitle"] = "Staff Backend Engineer"
	if diff := cmp.Diff(wantAfter, after.Fields); diff != "" {
		t.Errorf("after the title change (-want +got):\n%s", diff)
	}
	writes := writesSince(bamboo, sent)
	if len(writes) != 1 || !strings.HasSuffix(strings.TrimSuffix(writes[0].Path, "/"), "/employees/"+strconv.Itoa(emp.ID)) {
		t.Fatalf("the title change sent %d writes (%v), want one update of employee %d", len(writes), paths(writes), emp.ID)
	}
	body := bodyFields(t, writes[0].Body)
	for f := range hr {
		if _, ok := body[f]; ok {
			t.Errorf("the update sent %s, a field the sync does not own", f)
		}
	}

	// The candidate moves house: the address fields follow.
	if _, err := apps.Greenhouse.UpdateCandidate(app.CandidateID, func(c *greenhouse.Candidate) {
		c.Addresses = []greenhouse.TypedValue{{Value: "1 Difference Engine Sq\nLondon, ENG NW1\nUnited Kingdom", Type: "home"}}
	}); err != nil {
		t.Fatal(err)
	}
	requireCounts(t, sc.run(), counts{Update: 1})
	after, _ = bamboo.Employee(emp.ID)
	wantAfter["address1"], wantAfter["city"], wantAfter["state"], wantAfter["zipcode"], wantAfter["country"] =
		"1 Difference Engine Sq", "London", "ENG", "NW1", "United Kingdom"
	if diff := cmp.Diff(wantAfter, after.Fields); diff != "" {
		t.Errorf("after the address change (-want +got):\n%s", diff)
	}

	// The state file is lost: match finds the employee by employeeNumber; nothing is created twice.
	sc.loseLedger()
	sent = len(bamboo.Journal.Requests())
	requireCounts(t, sc.run(), counts{Create: 1})
	if w := writesSince(bamboo, sent); len(w) != 1 || !strings.HasSuffix(strings.TrimSuffix(w[0].Path, "/"), "/employees/"+strconv.Itoa(emp.ID)) {
		t.Errorf("after losing the ledger the run sent %v, want one update of employee %d (adopted, not created)", paths(w), emp.ID)
	}
	if e, ok := sc.entry("ats-to-hris", target, ada); !ok || e.TargetID != strconv.Itoa(emp.ID) {
		t.Errorf("after adoption the ledger entry is %+v (found %v), want BambooHR's id %d", e, ok, emp.ID)
	}
	if got, _ := bamboo.Employee(emp.ID); !maps.Equal(got.Fields, after.Fields) {
		t.Errorf("adoption changed the employee: %v, was %v", got.Fields, after.Fields)
	}

	// Another hire: a second employee, reporting to the job's hiring manager.
	if _, err := apps.HireCandidate(); err != nil {
		t.Fatal(err)
	}
	requireCounts(t, sc.run(), counts{Create: 1, Unchanged: 1})
	grace := employeeByNumber(t, bamboo, fmt.Sprint("GH-", apps.Seed.PendingApplicationID))
	if grace.Fields["firstName"] != "Grace" || grace.Fields["jobTitle"] != "Account Executive" || grace.Fields["supervisorEId"] != strconv.Itoa(priya.ID) ||
		grace.Fields["city"] != "Arlington" {
		t.Errorf("the second hire: %v", grace.Fields)
	}
}

// employeeByNumber returns the one employee with the employeeNumber; none or several fail the test.
func employeeByNumber(t *testing.T, s *bamboohr.Server, number string) bamboohr.Employee {
	t.Helper()
	var found []bamboohr.Employee
	for _, e := range s.Employees() {
		if e.Fields["employeeNumber"] == number {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d employees with employeeNumber %s, want 1", len(found), number)
	}
	return found[0]
}

// posts returns the POST requests to a path below BambooHR's API base (trailing slash ignored).
func posts(s *bamboohr.Server, path string) []requestView {
	var out []requestView
	for _, r := range writesSince(s, 0) {
		if strings.HasSuffix(strings.TrimSuffix(r.Path, "/"), path) {
			out = append(out, r)
		}
	}
	return out
}

type requestView struct {
	Path string
	Body []byte
}

// writesSince returns the writes (POSTs) BambooHR received after its first n requests.
func writesSince(s *bamboohr.Server, n int) []requestView {
	var out []requestView
	for _, r := range s.Journal.Requests()[n:] {
		if r.Method == http.MethodPost {
			out = append(out, requestView{r.Path, r.Body})
		}
	}
	return out
}

func paths(rs []requestView) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Path
	}
	return out
}

// renameJob renames a Greenhouse job. The sandbox has no job update, so the job is read through the
// Harvest API and stored again under its id with the new name.
func renameJob(t *testing.T, apps *sandbox.Apps, id int64, name string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/jobs/%d", apps.Greenhouse.URL(), id), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(sandbox.GreenhouseToken, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type named struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	var job struct {
		Departments, Offices []named
		HiringTeam           struct {
			HiringManagers []named `json:"hiring_managers"`
			Recruiters     []named `json:"recruiters"`
		} `json:"hiring_team"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET job %d: %d %v", id, resp.StatusCode, err)
	}
	j := greenhouse.Job{ID: id, Name: name}
	for _, d := range job.Departments {
		j.Departments = append(j.Departments, d.Name)
	}
	for _, o := range job.Offices {
		j.Offices = append(j.Offices, o.Name)
	}
	for _, u := range job.HiringTeam.HiringManagers {
		j.HiringManagerIDs = append(j.HiringManagerIDs, u.ID)
	}
	for _, u := range job.HiringTeam.Recruiters {
		j.RecruiterIDs = append(j.RecruiterIDs, u.ID)
	}
	apps.Greenhouse.AddJob(j)
}
