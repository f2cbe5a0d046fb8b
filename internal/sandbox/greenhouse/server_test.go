package greenhouse

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "gh-test-token"

func start(t *testing.T, opts Options) (*Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	if opts.Token == "" {
		opts.Token = token
	}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	return sandboxtest.Start(t, New, opts), clk
}

// call sends body as JSON (none when nil) to target, a path under the server's URL or a URL, with user
// as the API key.
func call(t *testing.T, s *Server, method, target, user string, body any, header map[string]string) sandboxtest.Reply {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = s.URL() + target
	}
	return sandboxtest.Do(t, method, target, sandboxtest.JSON(t, body), sandboxtest.Basic(user, ""), sandboxtest.Headers(header))
}

func get(t *testing.T, s *Server, target string) sandboxtest.Reply {
	t.Helper()
	return call(t, s, http.MethodGet, target, token, nil, nil)
}

func seed(t *testing.T, s *Server, clk *sandboxtest.Clock, n int) (Job, User) {
	t.Helper()
	mgr := s.AddUser(User{FirstName: "Dana", LastName: "Whitfield", Email: "dana@example.com"})
	job := s.AddJob(Job{Name: "Backend Engineer", HiringManagerIDs: []int64{mgr.ID}})
	for i := range n {
		c := s.AddCandidate(Candidate{FirstName: "C" + string(rune('a'+i)), LastName: "Test",
			EmailAddresses: []TypedValue{{Value: "c" + string(rune('a'+i)) + "@example.com", Type: "personal"}}})
		if _, err := s.AddApplication(Application{CandidateID: c.ID, JobID: job.ID}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	return job, mgr
}

func TestAuth(t *testing.T) {
	s, _ := start(t, Options{})
	tests := []struct {
		name string
		user string
		want int
	}{
		{"no credentials", "", http.StatusUnauthorized},
		{"wrong token", "nope", http.StatusUnauthorized},
		{"api token as user name", token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodGet, "/v1/candidates", tt.user, nil, nil)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.want == http.StatusUnauthorized && !strings.Contains(string(r.Body), `"message"`) {
				t.Errorf("401 body %s has no message", r.Body)
			}
		})
	}
}

var linkRE = regexp.MustCompile(`<([^>]+)>; rel="(\w+)"`)

func links(h http.Header) map[string]string {
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(h.Get("Link"), -1) {
		out[m[2]] = m[1]
	}
	return out
}

func TestPaginationFollowsLinkHeader(t *testing.T) {
	s, clk := start(t, Options{})
	seed(t, s, clk, 5)
	var ids []int64
	next := "/v1/candidates?per_page=2"
	pages := 0
	for next != "" {
		r := get(t, s, next)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, r.Status, r.Body)
		}
		var page []struct{ ID int64 }
		r.Decode(t, &page)
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		l := links(r.Header)
		pages++
		if pages == 1 && (l["last"] == "" || l["prev"] != "") {
			t.Errorf("first page links %v: want last and no prev", l)
		}
		if pages == 3 && (l["next"] != "" || l["prev"] == "") {
			t.Errorf("last page links %v: want prev and no next", l)
		}
		next = l["next"]
	}
	if pages != 3 || len(ids) != 5 {
		t.Fatalf("got %d pages and ids %v, want 3 pages and 5 ids", pages, ids)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("ids not ascending or repeated: %v", ids)
		}
	}
	if l := links(get(t, s, "/v1/candidates?per_page=2&skip_count=true").Header); l["last"] != "" || l["next"] == "" {
		t.Errorf("skip_count=true links %v: want next and no last", l)
	}
	if h := get(t, s, "/v1/candidates").Header.Get("Link"); h != "" {
		t.Errorf("single page has Link header %q", h)
	}
	u, _ := url.Parse(links(get(t, s, "/v1/candidates?per_page=2&updated_after=2026-01-01T00:00:00Z").Header)["next"])
	if u.Query().Get("updated_after") == "" || u.Query().Get("page") != "2" {
		t.Errorf("next link %v drops filters or page", u)
	}
}

func TestValidationErrors(t *testing.T) {
	s, _ := start(t, Options{})
	for _, target := range []string{
		"/v1/candidates?per_page=501",
		"/v1/candidates?per_page=0",
		"/v1/candidates?page=x",
		"/v1/candidates?updated_after=yesterday",
		"/v1/applications?created_after=2026-13-01",
	} {
		r := get(t, s, target)
		var body struct {
			Message string
			Errors  []fieldError
		}
		r.Decode(t, &body)
		if r.Status != http.StatusUnprocessableEntity || body.Message != "Validation error" || len(body.Errors) == 0 {
			t.Errorf("GET %s: %d %s, want 422 validation error", target, r.Status, r.Body)
		}
	}
}

func TestUpdatedAfterIsInclusive(t *testing.T) {
	s, clk := start(t, Options{})
	seed(t, s, clk, 3)
	all := s.Candidates()
	cut := all[1].UpdatedAt.Format(time.RFC3339)
	var got []struct{ ID int64 }
	get(t, s, "/v1/candidates?updated_after="+url.QueryEscape(cut)).Decode(t, &got)
	if len(got) != 2 || got[0].ID != all[1].ID {
		t.Fatalf("updated_after=%s returned %v, want candidates %d and %d", cut, got, all[1].ID, all[2].ID)
	}
	get(t, s, "/v1/candidates?updated_before="+url.QueryEscape(cut)).Decode(t, &got)
	if len(got) != 1 || got[0].ID != all[0].ID {
		t.Fatalf("updated_before=%s returned %v, want only %d", cut, got, all[0].ID)
	}
}

func TestHiredApplicationsAndOffer(t *testing.T) {
	s, clk := start(t, Options{})
	job, mgr := seed(t, s, clk, 3)
	apps := s.Applications()
	before := s.Candidates()[1].UpdatedAt
	clk.Add(time.Hour)
	if _, err := s.Hire(apps[1].ID, "2026-04-01"); err != nil {
		t.Fatal(err)
	}
	var hired []applicationJSON
	get(t, s, "/v1/applications?status=hired").Decode(t, &hired)
	if len(hired) != 1 || hired[0].ID != apps[1].ID || hired[0].Status != "hired" || hired[0].CandidateID != apps[1].CandidateID {
		t.Fatalf("status=hired: %+v", hired)
	}
	if len(hired[0].Jobs) != 1 || hired[0].Jobs[0].ID != job.ID || hired[0].CurrentStage == nil {
		t.Fatalf("hired application lacks jobs/current_stage: %+v", hired[0])
	}
	var none []applicationJSON
	if r := get(t, s, "/v1/applications?status=bogus"); r.Status != 200 || string(bytes.TrimSpace(r.Body)) != "[]" {
		t.Fatalf("unknown status: %d %s, want 200 []", r.Status, r.Body)
	}
	get(t, s, "/v1/applications?last_activity_after="+url.QueryEscape(clk.Now().Format(time.RFC3339))).Decode(t, &none)
	if len(none) != 1 {
		t.Fatalf("last_activity_after now: %d applications, want the hired one", len(none))
	}
	var offer offerJSON
	get(t, s, "/v1/applications/"+itoa(apps[1].ID)+"/offers/current_offer").Decode(t, &offer)
	if offer.StartsAt == nil || *offer.StartsAt != "2026-04-01" || offer.Status != "accepted" {
		t.Fatalf("current offer %+v", offer)
	}
	if c, _ := s.Candidate(apps[1].CandidateID); !c.UpdatedAt.After(before) {
		t.Errorf("hire did not touch the candidate's updated_at")
	}
	var j jobJSON
	get(t, s, "/v1/jobs/"+itoa(job.ID)).Decode(t, &j)
	if len(j.HiringTeam.HiringManagers) != 1 || j.HiringTeam.HiringManagers[0].Name != mgr.Name() {
		t.Fatalf("job hiring team %+v", j.HiringTeam)
	}
	if r := get(t, s, "/v1/applications/999999/offers/current_offer"); r.Status != 404 {
		t.Fatalf("missing application offer: %d", r.Status)
	}
}

func TestCreateAndPatchCandidate(t *testing.T) {
	s, clk := start(t, Options{})
	job, mgr := seed(t, s, clk, 0)
	obo := map[string]string{"On-Behalf-Of": itoa(mgr.ID), "Content-Type": "application/json"}
	body := map[string]any{
		"first_name": "Ada", "last_name": "Lovelace", "title": "Engineer",
		"email_addresses": []map[string]string{{"value": "ada@example.com", "type": "personal"}},
		"applications":    []map[string]int64{{"job_id": job.ID}},
	}
	tests := []struct {
		name   string
		body   map[string]any
		header map[string]string
		want   int
		field  string
	}{
		{"missing On-Behalf-Of", body, map[string]string{"Content-Type": "application/json"}, 422, "On-Behalf-Of"},
		{"unknown On-Behalf-Of", body, map[string]string{"On-Behalf-Of": "42"}, 422, "On-Behalf-Of"},
		{"no applications", map[string]any{"first_name": "A", "last_name": "B"}, obo, 422, "applications"},
		{"no last name", map[string]any{"first_name": "A", "applications": []map[string]int64{{"job_id": job.ID}}}, obo, 422, "last_name"},
		{"unknown job", map[string]any{"first_name": "A", "last_name": "B", "applications": []map[string]int64{{"job_id": 7}}}, obo, 422, "applications.job_id"},
		{"bad email type", map[string]any{"first_name": "A", "last_name": "B", "applications": []map[string]int64{{"job_id": job.ID}},
			"email_addresses": []map[string]string{{"value": "x@example.com", "type": "home"}}}, obo, 422, "email_addresses.type"},
		{"created", body, obo, 201, ""},
	}
	var created candidateJSON
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, http.MethodPost, "/v1/candidates", token, tt.body, tt.header)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.want == 422 {
				var v struct{ Errors []fieldError }
				r.Decode(t, &v)
				if len(v.Errors) == 0 || v.Errors[0].Field != tt.field {
					t.Fatalf("errors %+v, want field %s", v.Errors, tt.field)
				}
				return
			}
			r.Decode(t, &created)
		})
	}
	if created.ID == 0 || len(created.Applications) != 1 || created.Applications[0].Status != "active" {
		t.Fatalf("created candidate %+v", created)
	}
	if n := len(s.Candidates()); n != 1 {
		t.Fatalf("%d candidates stored, want exactly 1 (rejected requests must store nothing)", n)
	}
	clk.Add(time.Hour)
	r := call(t, s, http.MethodPatch, "/v1/candidates/"+itoa(created.ID), token, map[string]any{"title": "Staff Engineer", "tags": []string{}}, obo)
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	var patched candidateJSON
	get(t, s, "/v1/candidates/"+itoa(created.ID)).Decode(t, &patched)
	if patched.Title == nil || *patched.Title != "Staff Engineer" || patched.FirstName != "Ada" || patched.UpdatedAt == created.UpdatedAt {
		t.Fatalf("after patch: %+v", patched)
	}
	if r := call(t, s, http.MethodPatch, "/v1/candidates/424242", token, map[string]any{"title": "x"}, obo); r.Status != 404 {
		t.Fatalf("patch unknown candidate: %d", r.Status)
	}
	if r := call(t, s, http.MethodPatch, "/v1/candidates/"+itoa(created.ID), token, map[string]any{"first_name": ""}, obo); r.Status != 422 {
		t.Fatalf("blank first_name: %d", r.Status)
	}
	var byEmail []candidateJSON
	get(t, s, "/v1/candidates?email=ADA@example.com").Decode(t, &byEmail)
	if len(byEmail) != 1 || byEmail[0].ID != created.ID {
		t.Fatalf("email filter: %+v", byEmail)
	}
	// The same body was posted three times: without On-Behalf-Of, with an unknown one, and accepted.
	if d := s.Journal.Duplicates(http.MethodPost); len(d) != 2 {
		t.Fatalf("journal found %d duplicate POSTs, want 2", len(d))
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	s, clk := start(t, Options{RateLimit: 2})
	r1 := get(t, s, "/v1/jobs")
	if r1.Header.Get("X-RateLimit-Limit") != "2" || r1.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("first answer rate headers: %v", r1.Header)
	}
	get(t, s, "/v1/jobs")
	clk.Add(3 * time.Second)
	r3 := get(t, s, "/v1/jobs")
	if r3.Status != http.StatusTooManyRequests || r3.Header.Get("Retry-After") != "7" {
		t.Fatalf("third request: %d Retry-After %q, want 429 and 7", r3.Status, r3.Header.Get("Retry-After"))
	}
	if r3.Header.Get("X-RateLimit-Limit") != "" || r3.Header.Get("X-RateLimit-Remaining") != "" {
		t.Errorf("429 carries rate headers, documented to exclude them: %v", r3.Header)
	}
	clk.Add(7 * time.Second)
	if r := get(t, s, "/v1/jobs"); r.Status != 200 {
		t.Fatalf("after the window: %d", r.Status)
	}
}

func TestInjectedFaults(t *testing.T) {
	s, _ := start(t, Options{})
	s.Faults.Throttle(1, 2*time.Second)
	s.Faults.FailNext(2, http.StatusBadGateway)
	want := []int{429, 502, 502, 200}
	for i, w := range want {
		r := get(t, s, "/v1/users")
		if r.Status != w {
			t.Fatalf("request %d: %d, want %d", i+1, r.Status, w)
		}
		if w == 429 && r.Header.Get("Retry-After") != "2" {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	if n := s.Journal.Count(http.MethodGet, "/v1/users"); n != 4 {
		t.Fatalf("journal counted %d requests, want 4", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
