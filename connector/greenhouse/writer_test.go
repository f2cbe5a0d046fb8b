package greenhouse

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
)

func candidateRecord(first, email string, jobID int64) connector.Record {
	return connector.Record{
		"first_name": first, "last_name": "Lovelace",
		"email_addresses": []any{map[string]any{"value": email, "type": "personal"}},
		"applications":    []any{map[string]any{"job_id": jobID}},
	}
}

func openWriter(t *testing.T, c *Conn, match ...string) connector.Writer {
	t.Helper()
	return connectortest.OpenWriter(t, c, connector.WriteRequest{Stream: "candidates", Key: []string{"ext_id"}, Match: match})
}

// Create posts the candidate on behalf of the configured user and returns Harvest's id; Update patches
// that id; an Update of a candidate Greenhouse does not hold is ErrNotFound.
func TestCreateUpdateCandidate(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Analyst"})
	c := open(t, srv, clk, token)
	w := openWriter(t, c)
	if !w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("without match a create is not idempotent; NonIdempotent() = false")
	}

	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"p-1"}, Record: candidateRecord("Ada", "ada@example.com", job.ID)})[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	id, err := strconv.ParseInt(res.ID, 10, 64)
	if err != nil {
		t.Fatalf("Result.ID %q is not a Greenhouse id", res.ID)
	}
	got, ok := srv.Candidate(id)
	if !ok || got.FirstName != "Ada" || len(got.EmailAddresses) != 1 || got.EmailAddresses[0].Value != "ada@example.com" {
		t.Fatalf("candidate %d in Greenhouse = %+v, %v", id, got, ok)
	}
	reqs := srv.Journal.Requests()
	if post := reqs[len(reqs)-1]; post.Method != "POST" || post.Header.Get("On-Behalf-Of") != "7" {
		t.Errorf("create request %s with On-Behalf-Of %q, want POST on behalf of 7", post.Method, post.Header.Get("On-Behalf-Of"))
	}

	upd := candidateRecord("Augusta Ada", "ada@example.com", job.ID)
	upd["title"] = "Countess"
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{"p-1"}, ID: res.ID, Record: upd})[0]
	if res.Err != nil || res.ID != strconv.FormatInt(id, 10) {
		t.Fatalf("Update: %+v", res)
	}
	if got, _ := srv.Candidate(id); got.FirstName != "Augusta Ada" || got.Title != "Countess" {
		t.Errorf("after Update: %+v", got)
	}
	if n := len(srv.Applications()); n != 1 {
		t.Errorf("%d applications after create and update, want 1 (PATCH must not send applications)", n)
	}

	res = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{"p-2"}, ID: "999999", Record: upd})[0]
	if !errors.Is(res.Err, connector.ErrNotFound) {
		t.Errorf("Update of candidate 999999: %v, want ErrNotFound", res.Err)
	}
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{"p-3"}, Record: upd})[0]
	if res.Err == nil || errors.Is(res.Err, connector.ErrNotFound) || !strings.Contains(res.Err.Error(), "match") {
		t.Errorf("Update without an id and without match: %v, want a permanent error suggesting match", res.Err)
	}
}

// Harvest's 422 is a permanent error that carries its message; the other changes of the batch go on.
func TestValidationErrorIsPermanent(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Analyst"})
	c := open(t, srv, clk, token)
	w := openWriter(t, c)
	bad := candidateRecord("NoJob", "nojob@example.com", job.ID)
	delete(bad, "applications")
	res, err := w.Apply(t.Context(), []connector.Change{
		{Action: connector.Create, Key: []any{"a"}, Record: bad},
		{Action: connector.Create, Key: []any{"b"}, Record: candidateRecord("Grace", "grace@example.com", job.ID)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || connector.IsRetryable(res[0].Err) || !strings.Contains(res[0].Err.Error(), "422") || !strings.Contains(res[0].Err.Error(), "applications") {
		t.Errorf("create without applications: %v, want a permanent 422 naming applications", res[0].Err)
	}
	if res[1].Err != nil || res[1].ID == "" {
		t.Errorf("second create of the batch: %+v", res[1])
	}
}

// A 429 on one change stops the batch: that change and the ones after it come back transient with
// the wait, unsent; the ones before stay done.
func TestThrottledWriteStopsTheBatch(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Analyst"})
	c := open(t, srv, clk, token)
	w := openWriter(t, c)
	batch := []connector.Change{
		{Action: connector.Create, Key: []any{"a"}, Record: candidateRecord("A", "a@example.com", job.ID)},
		{Action: connector.Create, Key: []any{"b"}, Record: candidateRecord("B", "b@example.com", job.ID)},
		{Action: connector.Create, Key: []any{"c"}, Record: candidateRecord("C", "c@example.com", job.ID)},
	}
	res := func() []connector.Result {
		r, err := w.Apply(t.Context(), batch[:1])
		if err != nil {
			t.Fatal(err)
		}
		srv.Faults.Throttle(1, 5*time.Second)
		more, err := w.Apply(t.Context(), batch[1:])
		if err != nil {
			t.Fatal(err)
		}
		return append(r, more...)
	}()
	if res[0].Err != nil {
		t.Fatalf("first create: %v", res[0].Err)
	}
	for i, r := range res[1:] {
		d, ok := connector.RetryAfterOf(r.Err)
		if !connector.IsRetryable(r.Err) || !ok || d != 5*time.Second {
			t.Errorf("change %d after the 429: %v (wait %v), want transient with 5s", i+2, r.Err, d)
		}
	}
	if n := len(srv.Candidates()); n != 1 {
		t.Errorf("%d candidates in Greenhouse, want 1: the change after the 429 must not be sent", n)
	}
	if n := srv.Journal.Count("POST", "/v1/candidates"); n != 2 {
		t.Errorf("%d POSTs, want 2 (one created, one throttled)", n)
	}
}

// With match [email] a create adopts the candidate that has the e-mail (editing it, no new candidate)
// and creates only when none has; the lookup-only email field is never sent.
func TestMatchAdoptsByEmail(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Analyst"})
	existing := srv.AddCandidate(gh.Candidate{FirstName: "Old", LastName: "Name",
		EmailAddresses: []gh.TypedValue{{Value: "taken@example.com", Type: "work"}}})
	c := open(t, srv, clk, token)
	w := openWriter(t, c, "email")
	if w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("with match a create is idempotent; NonIdempotent() = true")
	}
	rec := candidateRecord("New", "other@example.com", job.ID)
	rec["email"] = "taken@example.com"
	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"x"}, Record: rec})[0]
	if res.Err != nil || res.ID != strconv.FormatInt(existing.ID, 10) {
		t.Fatalf("create with a taken e-mail: %+v, want the existing candidate %d adopted", res, existing.ID)
	}
	if got, _ := srv.Candidate(existing.ID); got.FirstName != "New" {
		t.Errorf("adopted candidate not edited: %+v", got)
	}
	if n := len(srv.Candidates()); n != 1 {
		t.Errorf("%d candidates, want 1", n)
	}
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"y"}, Record: candidateRecord("Fresh", "fresh@example.com", job.ID)})[0]
	if res.Err != nil || res.ID == strconv.FormatInt(existing.ID, 10) {
		t.Fatalf("create with a new e-mail: %+v", res)
	}
	for _, req := range srv.Journal.Requests() {
		if (req.Method == "POST" || req.Method == "PATCH") && strings.Contains(string(req.Body), `"email":`) {
			t.Errorf("%s %s sent the lookup-only email field: %s", req.Method, req.Path, req.Body)
		}
	}
}

// Writes need on_behalf_of; unknown options, other streams and match fields are refused.
func TestOpenWriterChecks(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	c := open(t, srv, clk, token)
	for name, req := range map[string]connector.WriteRequest{
		"unknown option": {Stream: "candidates", Options: connector.Settings{"upsert": true}},
		"other stream":   {Stream: "applications"},
		"match phone":    {Stream: "candidates", Match: []string{"phone"}},
		"append":         {Stream: "candidates", Append: true},
	} {
		if w, err := c.OpenWriter(t.Context(), req); err == nil {
			w.Close()
			t.Errorf("%s: OpenWriter accepted %+v", name, req)
		}
	}
	noUser, err := New(connector.Settings{"token": token, "url": srv.URL() + "/v1"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer noUser.Close()
	_, err = noUser.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "candidates"})
	var se *connector.SettingError
	if !errors.As(err, &se) || se.Key != "on_behalf_of" {
		t.Errorf("OpenWriter without on_behalf_of: %v, want a SettingError on on_behalf_of", err)
	}
}

// The body holds Harvest's documented fields: a key field that is not one identifies the record for
// oneway only and is not sent; any other unknown field (a typo) rejects the change before sending.
func TestBodyFields(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Analyst"})
	c := open(t, srv, clk, token)
	w := openWriter(t, c)
	rec := candidateRecord("Keyed", "keyed@example.com", job.ID)
	rec["ext_id"] = "p-9"
	res := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"p-9"}, Record: rec})[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	reqs := srv.Journal.Requests()
	if body := string(reqs[len(reqs)-1].Body); strings.Contains(body, "ext_id") {
		t.Errorf("the key field was sent: %s", body)
	}
	typo := candidateRecord("Typo", "typo@example.com", job.ID)
	typo["firstname"] = "Typo"
	before := len(srv.Journal.Requests())
	res = connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"p-10"}, Record: typo})[0]
	if res.Err == nil || !strings.Contains(res.Err.Error(), "firstname is not a field") || connector.IsRetryable(res.Err) {
		t.Errorf("unknown field: %v", res.Err)
	}
	if len(srv.Journal.Requests()) != before {
		t.Error("a change with an unknown field was sent")
	}
}
