package bamboohr

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const key = "bamboo-test-key"

func start(t *testing.T, opts Options) (*Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	opts.APIKey = key
	opts.Now = clk.Now
	return sandboxtest.Start(t, New, opts), clk
}

func errMsg(r sandboxtest.Reply) string { return r.Header.Get("X-BambooHR-Error-Message") }

// do sends body (JSON, when not empty) to path under the API base, or to path itself when it is a URL,
// with user as the API key.
func do(t *testing.T, s *Server, method, path, user, accept, body string) sandboxtest.Reply {
	t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = s.BaseURL() + path
	}
	header := map[string]string{"Accept": accept}
	if body != "" {
		header["Content-Type"] = "application/json"
	}
	return sandboxtest.Do(t, method, target, body, sandboxtest.Basic(user, "x"), sandboxtest.Headers(header))
}

func getJSON(t *testing.T, s *Server, path string, v any) sandboxtest.Reply {
	t.Helper()
	r := do(t, s, http.MethodGet, path, key, "application/json", "")
	if r.Status == http.StatusOK && v != nil {
		r.Decode(t, v)
	}
	return r
}

func mustAdd(t *testing.T, s *Server, f map[string]string) int {
	t.Helper()
	id, err := s.AddEmployee(f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAuthAndAccept(t *testing.T) {
	s, _ := start(t, Options{})
	tests := []struct {
		name, user, accept, path string
		want                     int
	}{
		{"no key", "", "application/json", "/employees/directory", 401},
		{"wrong key", "nope", "application/json", "/employees/directory", 401},
		{"no Accept json", key, "", "/employees/directory", 406},
		{"wrong company", key, "application/json", "http://" + strings.TrimPrefix(s.URL(), "http://") + "/api/gateway.php/other/v1/employees/directory", 404},
		{"ok", key, "application/json", "/employees/directory", 200},
		{"ok with trailing slash", key, "application/json", "/employees/directory/", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, http.MethodGet, tt.path, tt.user, tt.accept, "")
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d (%s)", r.Status, tt.want, errMsg(r))
			}
			if tt.want != 200 && errMsg(r) == "" {
				t.Errorf("no X-BambooHR-Error-Message on %d", r.Status)
			}
		})
	}
}

func TestCreateGetUpdate(t *testing.T) {
	s, clk := start(t, Options{})
	boss := mustAdd(t, s, map[string]string{"firstName": "Dana", "lastName": "Whitfield", "workEmail": "dana@example.com", "employeeNumber": "E1"})
	tests := []struct {
		name, body string
		want       int
	}{
		{"missing lastName", `{"firstName":"Ada"}`, 400},
		{"unknown field", `{"firstName":"Ada","lastName":"L","shoeSize":"42"}`, 406},
		{"read-only field", `{"firstName":"Ada","lastName":"L","displayName":"x"}`, 400},
		{"duplicate workEmail", `{"firstName":"Ada","lastName":"L","workEmail":"DANA@example.com"}`, 409},
		{"bad date", `{"firstName":"Ada","lastName":"L","hireDate":"01/02/2026"}`, 400},
		{"unknown supervisor", `{"firstName":"Ada","lastName":"L","supervisorEId":"999"}`, 400},
		{"not json", `firstName=Ada`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, http.MethodPost, "/employees/", key, "", tt.body)
			if r.Status != tt.want || errMsg(r) == "" {
				t.Fatalf("status %d (%q), want %d with an error message", r.Status, errMsg(r), tt.want)
			}
		})
	}
	if n := len(s.Employees()); n != 1 {
		t.Fatalf("%d employees after rejected creates, want 1", n)
	}
	body := `{"firstName":"Ada","lastName":"Lovelace","jobTitle":"Engineer","address1":"1 Main St","city":"Springfield","state":"IL","zipcode":"62701","country":"United States","hireDate":"2026-04-01","supervisorEId":` + strconv.Quote(strconv.Itoa(boss)) + `}`
	r := do(t, s, http.MethodPost, "/employees/", key, "", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, errMsg(r))
	}
	loc := r.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, s.BaseURL()+"/employees/") {
		t.Fatalf("Location %q is not under %s/employees/", loc, s.BaseURL())
	}
	id := u.Path[strings.LastIndex(u.Path, "/")+1:]
	var got map[string]any
	getJSON(t, s, "/employees/"+id+"/?fields=firstName,jobTitle,supervisor,supervisorEId,supervisorEmail,status,terminationDate,hireDate", &got)
	want := map[string]any{"id": id, "firstName": "Ada", "jobTitle": "Engineer", "supervisor": "Dana Whitfield",
		"supervisorEId": strconv.Itoa(boss), "supervisorEmail": "dana@example.com", "status": "Active", "terminationDate": nil, "hireDate": "2026-04-01"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if r := getJSON(t, s, "/employees/"+id+"?fields=bogus", nil); r.Status != 406 {
		t.Errorf("unknown GET field: %d", r.Status)
	}
	if r := getJSON(t, s, "/employees/4242", nil); r.Status != 404 {
		t.Errorf("unknown employee: %d", r.Status)
	}
	n, _ := strconv.Atoi(id)
	before, _ := s.Employee(n)
	clk.Add(time.Minute)
	if r := do(t, s, http.MethodPost, "/employees/"+id+"/", key, "", `{"jobTitle":"Staff Engineer"}`); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, errMsg(r))
	}
	after, _ := s.Employee(n)
	if after.Fields["jobTitle"] != "Staff Engineer" || !after.LastChanged.After(before.LastChanged) || after.Action != "Updated" {
		t.Fatalf("after update: %+v", after)
	}
	if r := do(t, s, http.MethodPost, "/employees/4242", key, "", `{"jobTitle":"x"}`); r.Status != 404 {
		t.Errorf("update unknown: %d", r.Status)
	}
}

func TestDirectoryListsActiveEmployees(t *testing.T) {
	s, _ := start(t, Options{})
	boss := mustAdd(t, s, map[string]string{"firstName": "Dana", "lastName": "Whitfield"})
	gone := mustAdd(t, s, map[string]string{"firstName": "Old", "lastName": "Timer", "supervisorEId": strconv.Itoa(boss)})
	mustAdd(t, s, map[string]string{"firstName": "Ada", "lastName": "Lovelace", "supervisorEId": strconv.Itoa(boss)})
	if err := s.Terminate(gone, "2026-02-28"); err != nil {
		t.Fatal(err)
	}
	var dir struct {
		Fields    []map[string]string
		Employees []map[string]any
	}
	getJSON(t, s, "/employees/directory", &dir)
	if len(dir.Fields) == 0 || len(dir.Employees) != 2 {
		t.Fatalf("directory: %d fields, %d employees, want fields and 2 active employees", len(dir.Fields), len(dir.Employees))
	}
	for _, e := range dir.Employees {
		if e["displayName"] == "Old Timer" {
			t.Errorf("terminated employee listed: %v", e)
		}
		if e["displayName"] == "Ada Lovelace" && e["supervisor"] != "Dana Whitfield" {
			t.Errorf("supervisor = %v", e["supervisor"])
		}
	}
}

func TestChangedSince(t *testing.T) {
	s, clk := start(t, Options{})
	a := mustAdd(t, s, map[string]string{"firstName": "A", "lastName": "One"})
	clk.Add(time.Hour)
	mark := clk.Now()
	b := mustAdd(t, s, map[string]string{"firstName": "B", "lastName": "Two"})
	clk.Add(time.Minute)
	if err := s.UpdateEmployee(a, map[string]string{"jobTitle": "Boss"}); err != nil {
		t.Fatal(err)
	}
	c := mustAdd(t, s, map[string]string{"firstName": "C", "lastName": "Three"})
	clk.Add(time.Minute)
	if err := s.DeleteEmployee(c); err != nil {
		t.Fatal(err)
	}
	type change struct{ ID, Action, LastChanged string }
	var resp struct {
		Latest    string
		Employees map[string]change
	}
	since := url.QueryEscape(mark.Format(time.RFC3339))
	getJSON(t, s, "/employees/changed/?since="+since, &resp)
	want := map[string]string{strconv.Itoa(a): "Updated", strconv.Itoa(b): "Inserted", strconv.Itoa(c): "Deleted"}
	if len(resp.Employees) != len(want) {
		t.Fatalf("changed: %+v, want %v", resp.Employees, want)
	}
	for id, action := range want {
		if resp.Employees[id].Action != action || resp.Employees[id].ID != id {
			t.Errorf("employee %s: %+v, want action %s", id, resp.Employees[id], action)
		}
	}
	if resp.Latest != clk.Now().Format(timeLayout) {
		t.Errorf("latest %s, want %s", resp.Latest, clk.Now().Format(timeLayout))
	}
	resp.Employees = nil
	getJSON(t, s, "/employees/changed/?type=inserted&since="+since, &resp)
	if len(resp.Employees) != 1 || resp.Employees[strconv.Itoa(b)].Action != "Inserted" {
		t.Fatalf("type=inserted: %+v", resp.Employees)
	}
	for _, bad := range []string{"", "2026-03-01", "2026-03-01T10:00:00+00:00", "yesterday"} {
		// The unencoded "+" arrives as a space: the documentation says to send %2B.
		if r := getJSON(t, s, "/employees/changed/?since="+bad, nil); r.Status != 400 {
			t.Errorf("since=%q: %d, want 400", bad, r.Status)
		}
	}
	for _, ok := range []string{"2026-03-01T10:00:00%2B00:00", "2026-03-01T10:00:00-0700", "2026-03-01T10:00:00Z"} {
		if r := getJSON(t, s, "/employees/changed/?since="+ok, nil); r.Status != 200 {
			t.Errorf("since=%q: %d %s, want 200", ok, r.Status, errMsg(r))
		}
	}
	if r := getJSON(t, s, "/employees/changed/?type=moved&since="+since, nil); r.Status != 400 {
		t.Errorf("bad type: %d", r.Status)
	}
}

func TestThrottleAndFailures(t *testing.T) {
	for _, status := range []int{0, http.StatusServiceUnavailable} {
		s, _ := start(t, Options{ThrottleStatus: status})
		s.Faults.Throttle(1, 3*time.Second)
		s.Faults.FailNext(1, http.StatusInternalServerError)
		want := status
		if want == 0 {
			want = http.StatusTooManyRequests
		}
		r := getJSON(t, s, "/employees/directory", nil)
		if r.Status != want || r.Header.Get("Retry-After") != "3" {
			t.Fatalf("throttled: %d Retry-After %q, want %d and 3", r.Status, r.Header.Get("Retry-After"), want)
		}
		if r := getJSON(t, s, "/employees/directory", nil); r.Status != 500 {
			t.Fatalf("failure: %d", r.Status)
		}
		if r := getJSON(t, s, "/employees/directory", nil); r.Status != 200 {
			t.Fatalf("recovered: %d", r.Status)
		}
	}
}
