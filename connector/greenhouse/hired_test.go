package greenhouse

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

// hiredFixture is scenario 1's data: two hires for a job with a hiring manager, one active applicant.
type hiredFixture struct {
	srv          *gh.Server
	clk          *sandboxtest.Clock
	job          gh.Job
	manager      gh.User
	ada, grace   gh.Candidate
	adaApp, gApp gh.Application
}

func newHiredFixture(t *testing.T) *hiredFixture {
	srv, clk := start(t, gh.Options{})
	f := &hiredFixture{srv: srv, clk: clk}
	f.manager = srv.AddUser(gh.User{FirstName: "Hank", LastName: "Manager", Email: "hank@example.com", EmployeeID: "E-17"})
	f.job = srv.AddJob(gh.Job{Name: "Data Engineer", Departments: []string{"Engineering"}, Offices: []string{"Berlin"}, HiringManagerIDs: []int64{f.manager.ID}})
	f.ada = srv.AddCandidate(gh.Candidate{FirstName: "Ada", LastName: "Lovelace",
		EmailAddresses: []gh.TypedValue{{Value: "ada@example.com", Type: "personal"}},
		Addresses:      []gh.TypedValue{{Value: "12 St James's Square, London", Type: "home"}}})
	f.grace = srv.AddCandidate(gh.Candidate{FirstName: "Grace", LastName: "Hopper"})
	other := srv.AddCandidate(gh.Candidate{FirstName: "Still", LastName: "Applying"})
	var err error
	for _, a := range []struct {
		dst  *gh.Application
		cand gh.Candidate
	}{{&f.adaApp, f.ada}, {&f.gApp, f.grace}, {new(gh.Application), other}} {
		if *a.dst, err = srv.AddApplication(gh.Application{CandidateID: a.cand.ID, JobID: f.job.ID}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(time.Hour)
	if _, err := srv.Hire(f.adaApp.ID, "2026-04-01"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	if _, err := srv.Hire(f.gApp.ID, "2026-05-01"); err != nil {
		t.Fatal(err)
	}
	return f
}

func hiredRead(t *testing.T, c *Conn, from []any) []connector.Record {
	t.Helper()
	var (
		r   connector.Reader
		err error
	)
	req := connector.ReadRequest{Stream: "hired_candidates", Key: []string{"application_id"}}
	if from == nil {
		r, err = c.Read(t.Context(), req)
	} else {
		r, err = c.ReadCursor(t.Context(), connector.CursorRequest{ReadRequest: req, Cursor: []string{"updated_at"}, From: from})
	}
	if err != nil {
		t.Fatal(err)
	}
	return connectortest.ReadAll(t, r, 0)
}

// A snapshot read returns one record per hired application with what scenario 1 copies to the HRIS.
func TestHiredCandidatesJoin(t *testing.T) {
	f := newHiredFixture(t)
	c := open(t, f.srv, f.clk, token)
	got := hiredRead(t, c, nil)
	if len(got) != 2 {
		t.Fatalf("read %d hired candidates, want 2: %v", len(got), got)
	}
	adaHired := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	want := connector.Record{
		"application_id": f.adaApp.ID, "candidate_id": f.ada.ID, "status": "hired",
		"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": nil,
		"address": "12 St James's Square, London",
		"job_id":  f.job.ID, "job_title": "Data Engineer", "department": "Engineering", "office": "Berlin",
		"hiring_manager_id": f.manager.ID, "hiring_manager": "Hank Manager",
		"hiring_manager_email": "hank@example.com", "hiring_manager_employee_id": "E-17",
		"start_date": "2026-04-01", "last_activity_at": adaHired, "updated_at": adaHired,
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("Ada's hired record (-want +got):\n%s", diff)
	}
	if got[1]["first_name"] != "Grace" || got[1]["email"] != nil || got[1]["start_date"] != "2026-05-01" {
		t.Errorf("Grace's hired record: %v", got[1])
	}
	if n := f.srv.Journal.Count("GET", "/v1/jobs/"+strconv.FormatInt(f.job.ID, 10)); n != 1 {
		t.Errorf("the job was fetched %d times in one read, want 1 (cached)", n)
	}
}

// A cursor read finds a hire whose candidate was edited after the position, though the application did
// not change, and leaves out the hires not touched since.
func TestHiredCandidatesCursorSeesCandidateEdits(t *testing.T) {
	f := newHiredFixture(t)
	c := open(t, f.srv, f.clk, token)
	all := hiredRead(t, c, nil)
	last := all[len(all)-1]["updated_at"].(time.Time)

	f.clk.Add(time.Hour)
	if _, err := f.srv.UpdateCandidate(f.ada.ID, func(cand *gh.Candidate) {
		cand.Addresses = []gh.TypedValue{{Value: "1 New Street, Oxford", Type: "home"}}
	}); err != nil {
		t.Fatal(err)
	}
	got := hiredRead(t, c, []any{last.Add(time.Millisecond)})
	if len(got) != 1 || got[0]["application_id"] != f.adaApp.ID || got[0]["address"] != "1 New Street, Oxford" {
		t.Fatalf("cursor read after Ada's edit: %v, want Ada's record with the new address only", got)
	}
	if !got[0]["updated_at"].(time.Time).Equal(f.clk.Now()) {
		t.Errorf("updated_at %v, want the candidate's edit time %v", got[0]["updated_at"], f.clk.Now())
	}
	if got := hiredRead(t, c, []any{f.clk.Now().Add(time.Second)}); len(got) != 0 {
		t.Errorf("cursor read past every change: %v", got)
	}
	// From the start: every hire, Grace (hired later) before Ada (edited since).
	n := f.srv.Journal.Count("GET", "/v1/candidates")
	got = hiredRead(t, c, []any{nil})
	if len(got) != 2 || got[0]["first_name"] != "Grace" || got[1]["first_name"] != "Ada" {
		t.Errorf("cursor read from the start: %v, want Grace then Ada", got)
	}
	if f.srv.Journal.Count("GET", "/v1/candidates") != n+1 {
		t.Error("a cursor read from the start listed every candidate instead of the hired applications'")
	}
}
