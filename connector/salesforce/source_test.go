package salesforce

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	sf "github.com/onewaysync/oneway/internal/sandbox/salesforce"
)

// lastSOQL returns the q parameter of the last query request the sandbox received.
func lastSOQL(t *testing.T, srv *sf.Server) string {
	t.Helper()
	reqs := srv.Journal.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if q, _ := url.ParseQuery(reqs[i].RawQuery); q.Get("q") != "" {
			return q.Get("q")
		}
	}
	t.Fatal("no query was sent")
	return ""
}

// A snapshot read follows nextRecordsUrl until done and returns each lead once, with the selected
// fields only, dateTimes as UTC times, and no "attributes".
func TestReadLeadsFollowsNextRecordsURL(t *testing.T) {
	srv, clk := start(t, sf.Options{MaxBatchSize: 10})
	var leads []sf.Lead
	for i := range 25 {
		leads = append(leads, srv.AddLead(sf.Lead{FirstName: fmt.Sprint("F", i), LastName: "Lead", Company: "Acme", LeadSource: "Web"}))
		clk.Add(time.Second)
	}
	c := open(t, srv, clk, accessToken, nil)
	got := connectortest.Read(t, c, connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}, BatchSize: 7})
	if len(got) != 25 {
		t.Fatalf("read %d leads, want 25", len(got))
	}
	byID := map[string]connector.Record{}
	for _, rec := range got {
		byID[rec["Id"].(string)] = rec
	}
	l := leads[3]
	want := connector.Record{"Id": l.ID, "FirstName": "F3", "LastName": "Lead", "Title": nil, "Company": "Acme",
		"LeadSource": "Web", "Email": nil, "CreatedDate": l.CreatedDate, "SystemModstamp": l.SystemModstamp}
	if diff := cmp.Diff(want, byID[l.ID]); diff != "" {
		t.Errorf("lead 3 (-want +got):\n%s", diff)
	}
	more := 0
	for _, req := range srv.Journal.Requests() {
		if strings.Contains(req.Path, "/query/01g") {
			more++
		}
	}
	if more != 2 {
		t.Errorf("%d nextRecordsUrl requests, want 2 (25 leads, 10 per answer)", more)
	}
	if q := lastSOQL(t, srv); q != "SELECT Id, FirstName, LastName, Title, Company, LeadSource, Email, CreatedDate, SystemModstamp FROM Lead" {
		t.Errorf("SOQL %q", q)
	}
}

// A cursor read from (t, id) asks Salesforce for the tuple (SystemModstamp, Id) >= (t, id) in that
// order: leads sharing the timestamp and coming before id are left out, those after it and later ones
// come in order, across pages.
func TestReadCursorTuple(t *testing.T) {
	srv, clk := start(t, sf.Options{MaxBatchSize: 3})
	var leads []sf.Lead
	for i := range 12 {
		leads = append(leads, srv.AddLead(sf.Lead{FirstName: fmt.Sprint("F", i), LastName: "L", Company: "C"}))
		if i%4 == 3 {
			clk.Add(time.Minute) // four leads per timestamp
		}
	}
	c := open(t, srv, clk, accessToken, nil)
	from := []any{leads[5].SystemModstamp, leads[5].ID}
	got := cursorRead(t, c, from)
	var ids []string
	for _, rec := range got {
		ids = append(ids, rec["Id"].(string))
	}
	var want []string
	for _, l := range leads[5:] {
		want = append(want, l.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("cursor read from lead 5: %v, want %v", ids, want)
	}
	wantSOQL := fmt.Sprintf("SELECT Id, FirstName, LastName, Title, Company, LeadSource, Email, CreatedDate, SystemModstamp FROM Lead WHERE (SystemModstamp > 2026-03-02T09:01:00.000Z OR (SystemModstamp = 2026-03-02T09:01:00.000Z AND Id >= '%s')) ORDER BY SystemModstamp, Id", leads[5].ID)
	if q := lastSOQL(t, srv); q != wantSOQL {
		t.Errorf("SOQL\n got %s\nwant %s", q, wantSOQL)
	}
	// The cursor value alone (the engine's lookback) compares only the timestamp.
	if got := cursorRead(t, c, []any{leads[5].SystemModstamp}); len(got) != 8 {
		t.Errorf("cursor read from the timestamp of lead 5: %d leads, want 8", len(got))
	}
	if got := cursorRead(t, c, nil); len(got) != 12 {
		t.Errorf("cursor read from the start: %d leads, want 12", len(got))
	}
}

// An Id in the position is a quoted, escaped literal: quotes in it cannot change the query.
func TestCursorIDIsEscaped(t *testing.T) {
	srv, clk := start(t, sf.Options{})
	l := srv.AddLead(sf.Lead{LastName: "L", Company: "C"})
	c := open(t, srv, clk, accessToken, nil)
	evil := `zzz' OR Id != '`
	got := cursorRead(t, c, []any{l.SystemModstamp, evil})
	if len(got) != 0 {
		t.Errorf("a position Id with quotes selected %d leads; the literal leaked into the query", len(got))
	}
	if q := lastSOQL(t, srv); !strings.Contains(q, `Id >= 'zzz\' OR Id != \''`) {
		t.Errorf("SOQL %s does not escape the quotes of the position Id", q)
	}
}

// With deleted: true a cursor read goes through queryAll and returns the records deleted since the
// position, IsDeleted true; a snapshot read (query) leaves deleted records out.
func TestDeletedLeads(t *testing.T) {
	srv, clk := start(t, sf.Options{})
	keep := srv.AddLead(sf.Lead{LastName: "Keep", Company: "C"})
	gone := srv.AddLead(sf.Lead{LastName: "Gone", Company: "C"})
	from := clk.Now().Add(time.Minute)
	clk.Add(time.Hour)
	if err := srv.DeleteLead(gone.ID); err != nil {
		t.Fatal(err)
	}
	c := open(t, srv, clk, accessToken, map[string]any{"fields": leadFields, "deleted": true})
	got := cursorRead(t, c, []any{from})
	if len(got) != 1 || got[0]["Id"] != gone.ID || got[0]["IsDeleted"] != true {
		t.Fatalf("cursor read with deleted: %v, want the deleted lead with IsDeleted true", got)
	}
	if !strings.Contains(srv.Journal.Requests()[len(srv.Journal.Requests())-1].Path, "/queryAll") {
		t.Error("the cursor read with deleted: true did not use queryAll")
	}
	snap := connectortest.Read(t, c, connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}})
	if len(snap) != 1 || snap[0]["Id"] != keep.ID || snap[0]["IsDeleted"] != false {
		t.Errorf("snapshot read: %v, want only the live lead", snap)
	}
}

// The org's request limit (403 REQUEST_LIMIT_EXCEEDED, with Retry-After) is transient: waited out,
// or reported as transient when it lasts; an invalid token is permanent and never printed.
func TestLimitsAndBadToken(t *testing.T) {
	srv, clk := start(t, sf.Options{})
	srv.AddLead(sf.Lead{LastName: "L", Company: "C"})
	c := open(t, srv, clk, accessToken, nil)
	srv.Faults.Throttle(1, 9*time.Second)
	if got := connectortest.Read(t, c, connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}}); len(got) != 1 {
		t.Fatalf("read %d leads after a request-limit answer, want 1", len(got))
	}
	if s := clk.Sleeps(); !slices.Equal(s, []time.Duration{9 * time.Second}) {
		t.Errorf("waits %v, want the Retry-After of 9s", s)
	}
	srv.Faults.Throttle(100, 5*time.Second)
	r, _ := c.Read(t.Context(), connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}})
	err := connectortest.ReadErr(t, r)
	if d, ok := connector.RetryAfterOf(err); !connector.IsRetryable(err) || !ok || d != 5*time.Second || !strings.Contains(err.Error(), "REQUEST_LIMIT_EXCEEDED") {
		t.Errorf("a lasting request limit: %v (wait %v), want transient with 5s", err, d)
	}
	srv.Faults.Reset()

	const wrong = "00Dxx!expired-token"
	bad := open(t, srv, clk, wrong, nil)
	r, _ = bad.Read(t.Context(), connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}})
	err = connectortest.ReadErr(t, r)
	if connector.IsRetryable(err) || !strings.Contains(err.Error(), "INVALID_SESSION_ID") || strings.Contains(err.Error(), wrong) {
		t.Errorf("bad token: %v; want a permanent INVALID_SESSION_ID without the token", err)
	}
}

// A stream that is not configured, or a field Salesforce does not know, fails the read.
func TestUnknownStreamAndField(t *testing.T) {
	srv, clk := start(t, sf.Options{})
	c := open(t, srv, clk, accessToken, map[string]any{"fields": []any{"Id", "NoSuchField__c"}})
	if _, err := c.Read(t.Context(), connector.ReadRequest{Stream: "Contact"}); err == nil || !strings.Contains(err.Error(), "Lead") {
		t.Errorf("Read of an unconfigured stream: %v", err)
	}
	r, err := c.Read(t.Context(), connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := connectortest.ReadErr(t, r); connector.IsRetryable(err) || !strings.Contains(err.Error(), "INVALID_FIELD") {
		t.Errorf("unknown field: %v, want a permanent INVALID_FIELD", err)
	}
	if _, err := c.ReadCursor(t.Context(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "Lead"}, Cursor: []string{"CreatedDate"}}); err == nil {
		t.Error("a cursor field outside the stream's fields was accepted")
	}
}

// The stream's where condition is kept, in parentheses, before the cursor condition.
func TestWhere(t *testing.T) {
	srv, clk := start(t, sf.Options{})
	web := srv.AddLead(sf.Lead{LastName: "Web", Company: "C", LeadSource: "Web"})
	srv.AddLead(sf.Lead{LastName: "Phone", Company: "C", LeadSource: "Phone Inquiry"})
	c := open(t, srv, clk, accessToken, map[string]any{"fields": leadFields, "where": "LeadSource = 'Web' OR LeadSource = 'Partner'"})
	got := cursorRead(t, c, []any{web.SystemModstamp})
	if len(got) != 1 || got[0]["Id"] != web.ID {
		t.Errorf("cursor read with where: %v, want the web lead only", got)
	}
	if q := lastSOQL(t, srv); !strings.Contains(q, "WHERE (LeadSource = 'Web' OR LeadSource = 'Partner') AND SystemModstamp >= 2026-03-02T09:00:00.000Z ORDER BY SystemModstamp, Id") {
		t.Errorf("SOQL %s", q)
	}
}
