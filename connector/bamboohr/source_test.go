package bamboohr

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	bhr "github.com/onewaysync/oneway/internal/sandbox/bamboohr"
)

// A snapshot read returns the directory's employees with the configured fields, the supervisor's
// derived fields included; a terminated employee (not in the directory) is absent.
func TestReadEmployees(t *testing.T) {
	srv, clk := start(t, bhr.Options{})
	boss := mustAdd(t, srv, map[string]string{"firstName": "Hank", "lastName": "Boss", "workEmail": "hank@acme.test", "employeeNumber": "E-1", "jobTitle": "CTO"})
	ada := mustAdd(t, srv, map[string]string{"firstName": "Ada", "lastName": "Lovelace", "workEmail": "ada@acme.test",
		"jobTitle": "Engineer", "department": "R&D", "hireDate": "2026-04-01", "supervisorEId": strconv.Itoa(boss)})
	gone := mustAdd(t, srv, map[string]string{"firstName": "Gone", "lastName": "Away"})
	for i := range 120 {
		mustAdd(t, srv, map[string]string{"firstName": fmt.Sprintf("F%d", i), "lastName": "Many"})
	}
	if err := srv.Terminate(gone, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	c := open(t, srv, clk, nil)

	got := connectortest.Read(t, c, connector.ReadRequest{Stream: "employees", Key: []string{"id"}, BatchSize: 40})
	if len(got) != 122 {
		t.Fatalf("read %d employees, want 122 (the terminated one is not in the directory)", len(got))
	}
	byID := map[string]connector.Record{}
	for _, rec := range got {
		byID[rec["id"].(string)] = rec
	}
	if _, ok := byID[strconv.Itoa(gone)]; ok {
		t.Error("the terminated employee was read")
	}
	want := connector.Record{
		"id": strconv.Itoa(ada), "firstName": "Ada", "lastName": "Lovelace", "preferredName": nil,
		"displayName": "Ada Lovelace", "jobTitle": "Engineer", "department": "R&D", "division": nil,
		"location": nil, "workEmail": "ada@acme.test", "employeeNumber": nil, "status": "Active",
		"hireDate": "2026-04-01", "terminationDate": nil, "supervisorEId": strconv.Itoa(boss),
		"supervisor": "Hank Boss", "supervisorEmail": "hank@acme.test", "lastChanged": clk.Now(),
	}
	if diff := cmp.Diff(want, byID[strconv.Itoa(ada)]); diff != "" {
		t.Errorf("Ada (-want +got):\n%s", diff)
	}
}

// A cursor read asks for the employees changed since From (UTC, Z) and returns the inserted and
// updated ones in (lastChanged, id) order; deleted ones are skipped.
func TestReadCursorChanged(t *testing.T) {
	srv, clk := start(t, bhr.Options{})
	a := mustAdd(t, srv, map[string]string{"firstName": "A", "lastName": "One"})
	clk.Add(time.Hour)
	b := mustAdd(t, srv, map[string]string{"firstName": "B", "lastName": "Two"})
	d := mustAdd(t, srv, map[string]string{"firstName": "D", "lastName": "Deleted"})
	from := clk.Now()
	clk.Add(time.Hour)
	if err := srv.UpdateEmployee(a, map[string]string{"jobTitle": "Lead"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteEmployee(d); err != nil {
		t.Fatal(err)
	}
	c := open(t, srv, clk, connector.Settings{"fields": []any{"firstName", "jobTitle"}})

	got := connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "employees", Key: []string{"id"}},
		Cursor:      []string{"lastChanged"}, From: []any{from, strconv.Itoa(b)},
	})
	var ids []string
	for _, rec := range got {
		ids = append(ids, rec["id"].(string))
	}
	if want := []string{strconv.Itoa(b), strconv.Itoa(a)}; !slices.Equal(ids, want) {
		t.Fatalf("changed since %v: ids %v, want %v (B at From, then A updated later)", from, ids, want)
	}
	if got[1]["jobTitle"] != "Lead" || !got[1]["lastChanged"].(time.Time).Equal(clk.Now()) {
		t.Errorf("A after its update: %v", got[1])
	}
	var since string
	for _, req := range srv.Journal.Requests() {
		if strings.HasSuffix(strings.TrimSuffix(req.Path, "/"), "/employees/changed") {
			q, _ := url.ParseQuery(req.RawQuery)
			since = q.Get("since")
		}
	}
	if since != "2026-03-02T10:00:00Z" {
		t.Errorf("since = %q, want 2026-03-02T10:00:00Z", since)
	}

	_, err := c.ReadCursor(t.Context(), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "employees", Key: []string{"id"}}, Cursor: []string{"hireDate"},
	})
	if err == nil || !strings.Contains(err.Error(), "lastChanged") {
		t.Errorf("cursor hireDate: err = %v, want one naming lastChanged", err)
	}
}

// Throttling, with 429 (today) or 503 (before BambooHR's documented change), is waited out per
// Retry-After; a bad key is permanent and never printed.
func TestThrottlingAndBadKey(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv, clk := start(t, bhr.Options{ThrottleStatus: status})
			mustAdd(t, srv, map[string]string{"firstName": "A", "lastName": "One"})
			c := open(t, srv, clk, nil)
			srv.Faults.Throttle(2, 7*time.Second)
			if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "employees", Key: []string{"id"}}); len(got) != 1 {
				t.Fatalf("read %d employees after throttling, want 1", len(got))
			}
			if s := clk.Sleeps(); !slices.Equal(s, []time.Duration{7 * time.Second, 7 * time.Second}) {
				t.Errorf("waits %v, want the Retry-After of 7s twice", s)
			}
		})
	}
	srv, clk := start(t, bhr.Options{})
	const wrong = "wrong-key-77aa"
	c := open(t, srv, clk, connector.Settings{"api_key": wrong})
	r, err := c.Read(t.Context(), connector.ReadRequest{Stream: "employees", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	err = connectortest.ReadErr(t, r)
	if connector.IsRetryable(err) || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), wrong) {
		t.Errorf("bad key: %v; want a permanent 401 without the key", err)
	}
	if !strings.Contains(err.Error(), "Invalid or missing API key") {
		t.Errorf("bad key: %v; want BambooHR's reason from X-BambooHR-Error-Message", err)
	}
}

func TestSettings(t *testing.T) {
	for name, s := range map[string]connector.Settings{
		"no key":       {"company": "acme"},
		"no company":   {"api_key": "k"},
		"bad company":  {"api_key": "k", "company": "acme/../x"},
		"bad field":    {"api_key": "k", "company": "acme", "fields": []any{"first name"}},
		"unknown":      {"api_key": "k", "company": "acme", "subdomain": "acme"},
		"bad base url": {"api_key": "k", "url": "ftp://x"},
	} {
		if c, err := New(s, connector.Env{}); err == nil {
			c.Close()
			t.Errorf("%s: New accepted %v", name, s)
		}
	}
	c, err := New(connector.Settings{"api_key": "k", "company": "acme"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.(*Conn).API().Base.String(); got != "https://api.bamboohr.com/api/gateway.php/acme/v1" {
		t.Errorf("base URL %s", got)
	}
}
