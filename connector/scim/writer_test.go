package scim_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// countMethod counts the journal entries of a method (and path prefix below /scim/v2).
func countMethod(journal []string, method, path string) int {
	n := 0
	for _, r := range journal {
		if strings.HasPrefix(r, method+" /scim/v2"+path) {
			n++
		}
	}
	return n
}

func TestCreateSendsTheResourceBody(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	rec := employee("ada@example.com", "Engineer", "R&D", "E100")
	id := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"ada@example.com"}, Record: rec})

	gotID, attrs := ts.user("ada@example.com")
	if gotID == "" || gotID != id {
		t.Fatalf("Result.ID = %q, the server holds the user as %q", id, gotID)
	}
	want := map[string]any{
		"userName": "ada@example.com",
		"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":   []any{map[string]any{"value": "ada@example.com", "type": "work", "primary": true}},
		"title":    "Engineer",
		"active":   true,
		enterpriseSchema: map[string]any{
			"department": "R&D",
			"manager":    map[string]any{"value": "E100"},
		},
	}
	if diff := cmp.Diff(want, attrs); diff != "" {
		t.Errorf("stored user (-want +got):\n%s", diff)
	}
	if j := ts.journal(); countMethod(j, "POST", "/Users") != 1 || len(j) != 1 {
		t.Errorf("requests = %v, want one POST (no look-up without match)", j)
	}
}

func TestCreateWithMatchAdoptsExistingUser(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	existing := ts.seed(t, map[string]any{"userName": "Ada@Example.com", "title": "Intern", "nickName": "ada"})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{Match: []string{"userName"}})

	id := mustApply(t, w, create("ada@example.com", connector.Record{"title": "Engineer", "active": true}))
	if id != existing {
		t.Errorf("Result.ID = %q, want the existing user's id %q", id, existing)
	}
	if n := ts.count(); n != 1 {
		t.Errorf("the server holds %d users after adopting, want 1", n)
	}
	j := ts.journal()
	if countMethod(j, "POST", "") != 0 || countMethod(j, "GET", "/Users?") != 1 || countMethod(j, "PATCH", "/Users/"+existing) != 1 {
		t.Errorf("requests = %v, want a filtered GET then a PATCH and no POST", j)
	}
	if !strings.Contains(j[0], "filter=userName+eq+%22ada%40example.com%22") {
		t.Errorf("look-up %q does not filter by userName eq \"ada@example.com\"", j[0])
	}
	_, attrs := ts.user("ada@example.com")
	if attrs["title"] != "Engineer" || attrs["active"] != true || attrs["nickName"] != "ada" {
		t.Errorf("adopted user = %v; want title and active set, nickName kept", attrs)
	}

	// Without an existing user, match falls through to POST.
	id2 := mustApply(t, w, create("grace@example.com", connector.Record{"title": "Admiral"}))
	if _, attrs := ts.user("grace@example.com"); id2 == "" || attrs["title"] != "Admiral" {
		t.Errorf("create after an empty look-up: id %q, stored %v", id2, attrs)
	}
}

// A user that exists without the writer knowing (a lost ledger, a user created by hand) makes POST
// answer 409; the writer adopts it instead of failing or duplicating.
func TestCreateAdoptsOnConflict(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	existing := ts.seed(t, map[string]any{"userName": "ada@example.com", "title": "Intern"})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})

	id := mustApply(t, w, create("ada@example.com", connector.Record{"title": "Engineer"}))
	if id != existing {
		t.Errorf("Result.ID = %q, want the existing user's id %q", id, existing)
	}
	j := ts.journal()
	want := []string{"POST", "GET", "PATCH"}
	var got []string
	for _, r := range j {
		got = append(got, strings.Fields(r)[0])
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests = %v, want POST (409), GET filter, PATCH", j)
	}
	if _, attrs := ts.user("ada@example.com"); attrs["title"] != "Engineer" || ts.count() != 1 {
		t.Errorf("after adoption: %d users, user %v", ts.count(), attrs)
	}

	// The same create again (a retried batch) is still one user.
	if id2 := mustApply(t, w, create("ada@example.com", connector.Record{"title": "Engineer"})); id2 != existing || ts.count() != 1 {
		t.Errorf("create applied twice: id %q, %d users", id2, ts.count())
	}
}

// A 409 for another unique attribute than the one looked up is the record's error, with the SCIM reason.
func TestConflictWithoutMatchingUserIsRejected(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.seed(t, map[string]any{"userName": "ada@example.com"})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{Key: []string{"externalId"}})
	r := connectortest.Apply(t, w, connector.Change{Action: connector.Create, Key: []any{"E1"},
		Record: connector.Record{"externalId": "E1", "userName": "ada@example.com"}})[0]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "uniqueness") || !strings.Contains(r.Err.Error(), "409") {
		t.Fatalf("Err = %v, want the 409 uniqueness reason", r.Err)
	}
	if connector.IsRetryable(r.Err) {
		t.Errorf("a conflict must not be retried: %v", r.Err)
	}
}

func TestUpdatePatchesMappedAttributes(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	id := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"ada@example.com"},
		Record: employee("ada@example.com", "Engineer", "R&D", "E100")})
	ts.touch(id) // an attribute the sync does not map, set in the product
	ts.journal()

	// The title, department and manager change; the ledger knows the id.
	rec := employee("ada@example.com", "Staff Engineer", "Platform", "E200")
	if got := mustApply(t, w, connector.Change{Action: connector.Update, Key: []any{"ada@example.com"}, ID: id, Record: rec}); got != id {
		t.Errorf("Result.ID = %q, want %q", got, id)
	}
	j := ts.journal()
	if len(j) != 1 || countMethod(j, "PATCH", "/Users/"+id) != 1 {
		t.Errorf("requests = %v, want exactly one PATCH", j)
	}
	_, attrs := ts.user("ada@example.com")
	ext, _ := attrs[enterpriseSchema].(map[string]any)
	if attrs["title"] != "Staff Engineer" || ext["department"] != "Platform" ||
		!cmp.Equal(ext["manager"], map[string]any{"value": "E200"}) {
		t.Errorf("after update: %v", attrs)
	}
	if !strings.HasPrefix(fmt.Sprint(attrs["nickName"]), "changed at") {
		t.Errorf("an unmapped attribute was lost: %v", attrs)
	}

	// Without the id (a ledger from before ids were kept), the key is looked up first.
	rec["title"] = "Principal"
	if got := mustApply(t, w, connector.Change{Action: connector.Update, Key: []any{"ada@example.com"}, Record: rec}); got != id {
		t.Errorf("Result.ID of an update by key = %q, want %q", got, id)
	}
	if _, attrs := ts.user("ada@example.com"); attrs["title"] != "Principal" {
		t.Errorf("update by key: title = %v", attrs["title"])
	}

	// A mapped value that became null removes the attribute.
	rec["title"] = nil
	mustApply(t, w, connector.Change{Action: connector.Update, Key: []any{"ada@example.com"}, ID: id, Record: rec})
	if _, attrs := ts.user("ada@example.com"); attrs["title"] != nil {
		t.Errorf("title = %v after an update to null, want it removed", attrs["title"])
	}
}

func TestSoftDeleteDeactivates(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	id := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"ada@example.com"},
		Record: employee("ada@example.com", "Engineer", "R&D", "E100")})
	ts.journal()
	mustApply(t, w, connector.Change{Action: connector.SoftDelete, Key: []any{"ada@example.com"}, ID: id, Record: connector.Record{"active": false}})
	if j := ts.journal(); len(j) != 1 || countMethod(j, "PATCH", "/Users/"+id) != 1 {
		t.Errorf("requests = %v, want one PATCH (active=false), never DELETE", j)
	}
	_, attrs := ts.user("ada@example.com")
	if attrs["active"] != false || attrs["title"] != "Engineer" {
		t.Errorf("after soft delete: %v; want active false and the rest kept", attrs)
	}
}

func TestDelete(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	id := mustApply(t, w, create("ada@example.com", nil))
	mustApply(t, w, create("grace@example.com", nil))

	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"ada@example.com"}, ID: id})
	if got, _ := ts.user("ada@example.com"); got != "" || ts.count() != 1 {
		t.Fatalf("after DELETE: user %q still there, %d users", got, ts.count())
	}
	// Deleting again (404) and deleting by key what is absent both succeed.
	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"ada@example.com"}, ID: id})
	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"nobody@example.com"}})
	// By key, without an id.
	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"grace@example.com"}})
	if ts.count() != 0 {
		t.Errorf("%d users left after deleting both", ts.count())
	}
}

func TestMissingUserIsNotFound(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	for name, ch := range map[string]connector.Change{
		"update by id":       {Action: connector.Update, Key: []any{"x@example.com"}, ID: "r999", Record: connector.Record{"title": "x"}},
		"soft delete by id":  {Action: connector.SoftDelete, Key: []any{"x@example.com"}, ID: "r999", Record: connector.Record{"active": false}},
		"update by key":      {Action: connector.Update, Key: []any{"x@example.com"}, Record: connector.Record{"title": "x"}},
		"soft delete by key": {Action: connector.SoftDelete, Key: []any{"x@example.com"}, Record: connector.Record{"active": false}},
	} {
		r := connectortest.Apply(t, w, ch)[0]
		if !errors.Is(r.Err, connector.ErrNotFound) {
			t.Errorf("%s: Err = %v, want connector.ErrNotFound", name, r.Err)
		}
	}
	if ts.count() != 0 {
		t.Errorf("an update of a missing user created %d users", ts.count())
	}
}

// The adopted user changes between the look-up and the PATCH: If-Match makes the server answer 412,
// and the writer reads the user again and repeats the PATCH with the new version.
func TestPreconditionFailedRetriesOnce(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	id := ts.seed(t, map[string]any{"userName": "ada@example.com", "title": "Intern"})
	touched := false
	ts.users.onQuery = func() {
		if !touched {
			touched = true
			ts.touch(id)
		}
	}
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{Match: []string{"userName"}})
	mustApply(t, w, create("ada@example.com", connector.Record{"title": "Engineer"}))
	j := ts.journal()
	if countMethod(j, "PATCH", "/Users/"+id) != 2 || countMethod(j, "GET", "/Users/"+id) != 1 {
		t.Errorf("requests = %v; want PATCH (412), GET, PATCH", j)
	}
	if _, attrs := ts.user("ada@example.com"); attrs["title"] != "Engineer" {
		t.Errorf("title = %v after the retried PATCH", attrs["title"])
	}
}

// A server whose ServiceProviderConfig says it has no PATCH gets GET, then PUT of the merged resource
// with If-Match; attributes the sync does not map survive.
func TestUpdateWithoutPatchSupportUsesPut(t *testing.T) {
	ts := newTestServer(t, serverOptions{noPatch: true})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	id := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"ada@example.com"},
		Record: employee("ada@example.com", "Engineer", "R&D", "E100")})
	ts.touch(id)
	ts.journal()
	rec := employee("ada@example.com", "Staff Engineer", "Platform", "E100")
	rec["name"] = map[string]any{"givenName": "Augusta Ada", "familyName": nil}
	mustApply(t, w, connector.Change{Action: connector.Update, Key: []any{"ada@example.com"}, ID: id, Record: rec})
	j := ts.journal()
	if countMethod(j, "PATCH", "") != 0 || countMethod(j, "GET", "/Users/"+id) != 1 || countMethod(j, "PUT", "/Users/"+id) != 1 || ts.discoveries() != 1 {
		t.Errorf("requests = %v after %d discoveries, want GET /ServiceProviderConfig, GET, PUT", j, ts.discoveries())
	}
	_, attrs := ts.user("ada@example.com")
	ext, _ := attrs[enterpriseSchema].(map[string]any)
	if attrs["title"] != "Staff Engineer" || ext["department"] != "Platform" ||
		!cmp.Equal(attrs["name"], map[string]any{"givenName": "Augusta Ada"}) ||
		!strings.HasPrefix(fmt.Sprint(attrs["nickName"]), "changed at") {
		t.Errorf("after PUT: %v", attrs)
	}
	// The configuration is asked once per connection.
	mustApply(t, w, connector.Change{Action: connector.SoftDelete, Key: []any{"ada@example.com"}, ID: id, Record: connector.Record{"active": false}})
	if n := ts.discoveries(); n != 1 {
		t.Errorf("ServiceProviderConfig asked %d times, want once per connection", n)
	}
	if _, attrs := ts.user("ada@example.com"); attrs["active"] != false {
		t.Errorf("soft delete through PUT: %v", attrs)
	}
}

// 429 with Retry-After is transient with that wait, and the rest of the batch is not sent.
func TestThrottledBatchStops(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	ts.throttle(1, "7")
	results := connectortest.Apply(t, w, create("a@example.com", nil), create("b@example.com", nil), create("c@example.com", nil))
	for i, r := range results {
		d, ok := connector.RetryAfterOf(r.Err)
		if !connector.IsRetryable(r.Err) || !ok || d != 7*time.Second {
			t.Errorf("result %d: Err = %v (retry after %v, %v); want transient with Retry-After 7s", i, r.Err, d, ok)
		}
	}
	if j := ts.journal(); len(j) != 1 {
		t.Errorf("requests = %v; want the batch to stop after the 429", j)
	}
	// Retried later, the batch goes through.
	for _, r := range connectortest.Apply(t, w, create("a@example.com", nil), create("b@example.com", nil), create("c@example.com", nil)) {
		if r.Err != nil {
			t.Errorf("retry: %v", r.Err)
		}
	}
	if ts.count() != 3 {
		t.Errorf("%d users after the retry, want 3", ts.count())
	}
}

// The SCIM error body becomes the rejected record's reason; a bad record does not stop the others.
func TestSCIMErrorIsTheReason(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{})
	results := connectortest.Apply(t, w,
		create("bad@example.com", connector.Record{"active": "yes"}),
		create("good@example.com", nil))
	err := results[0].Err
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "invalidValue") ||
		!strings.Contains(err.Error(), "not compatible") {
		t.Errorf("Err = %v; want HTTP 400 with scimType invalidValue and the detail", err)
	}
	if connector.IsRetryable(err) {
		t.Errorf("a 400 must not be retried: %v", err)
	}
	if results[1].Err != nil {
		t.Errorf("the next record failed too: %v", results[1].Err)
	}
}

// userName values with filter syntax in them stay one value: the server's filter parser finds exactly the
// user. (Quotes and backslashes are escaped too, see TestFilterIsOneComparison; elimity's parser does not
// decode escapes, so they cannot be looked up on it.)
func TestLookupEscapesFilterValues(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	tricky := `o'brien) or (userName pr and title eq x`
	id := ts.seed(t, map[string]any{"userName": tricky})
	ts.seed(t, map[string]any{"userName": "someone else"})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{Match: []string{"userName"}})
	if got := mustApply(t, w, create(tricky, connector.Record{"title": "x"})); got != id {
		t.Errorf("adopted %q, want %q", got, id)
	}
	if ts.count() != 2 {
		t.Errorf("%d users, want 2", ts.count())
	}
}

func TestAmbiguousMatchIsRejected(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	ts.seed(t, map[string]any{"userName": "a", "title": "Twin"})
	ts.seed(t, map[string]any{"userName": "b", "title": "Twin"})
	w := openWriter(t, open(t, ts.URL), connector.WriteRequest{Match: []string{"title"}})
	r := connectortest.Apply(t, w, create("c", connector.Record{"title": "Twin"}))[0]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "2 resources") {
		t.Errorf("Err = %v; want an ambiguous match error", r.Err)
	}
	if ts.count() != 2 {
		t.Errorf("%d users; an ambiguous match must create nothing", ts.count())
	}
}

func TestGroups(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	conn := open(t, ts.URL)
	w := openWriter(t, conn, connector.WriteRequest{Stream: "Groups", Key: []string{"displayName"}})
	id := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"Engineering"}, Record: connector.Record{"displayName": "Engineering"}})
	// A second create of the same group adopts it (409 on displayName).
	if again := mustApply(t, w, connector.Change{Action: connector.Create, Key: []any{"Engineering"}, Record: connector.Record{"displayName": "Engineering"}}); again != id {
		t.Errorf("second create: id %q, want %q", again, id)
	}
	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"Engineering"}, ID: id})
	ts.groups.mu.Lock()
	defer ts.groups.mu.Unlock()
	if len(ts.groups.items) != 0 {
		t.Errorf("%d groups left", len(ts.groups.items))
	}
}

// The bearer token appears in no error: not for a refused token, not when a server echoes it back.
func TestTokenNeverInErrors(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	var errs []error

	// A token the server refuses (401): the first error stops the batch.
	const wrong = "wrong-token-9d8e7f-canary"
	conn, err := newConn(ts.URL, wrong)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "Users", Key: []string{"userName"}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := w.Apply(t.Context(), []connector.Change{create("a@example.com", nil), create("b@example.com", nil)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "401") {
			t.Errorf("Err = %v, want HTTP 401", r.Err)
		}
		errs = append(errs, r.Err)
	}
	if j := ts.journal(); len(j) != 1 {
		t.Errorf("requests = %v; want the batch to stop after the 401", j)
	}

	// A server (or proxy) that quotes the Authorization header in its error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"bad header %s"}`, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	ew := openWriter(t, open(t, echo.URL), connector.WriteRequest{})
	errs = append(errs, connectortest.Apply(t, ew, create("a@example.com", nil))[0].Err)
	rd, err := open(t, echo.URL).(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "Users"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rd.Next(t.Context())
	errs = append(errs, err)

	// Unreachable server.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	cw := openWriter(t, open(t, closed.URL), connector.WriteRequest{})
	errs = append(errs, connectortest.Apply(t, cw, create("a@example.com", nil))[0].Err)

	// Settings errors.
	_, err = newConn("https://user:"+testToken+"@example.com/scim/v2", testToken)
	errs = append(errs, err)

	for _, e := range errs {
		if e == nil {
			t.Errorf("an expected error is missing (errors: %v)", errs)
			continue
		}
		for _, secret := range []string{testToken, wrong} {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("error shows the token: %v", e)
			}
		}
	}
}

func TestOpenWriterChecks(t *testing.T) {
	conn := open(t, "http://127.0.0.1:1/scim/v2")
	for name, tc := range map[string]struct {
		req         connector.WriteRequest
		want        string
		unsupported bool
	}{
		"append":         {req: connector.WriteRequest{Stream: "Users", Append: true}, want: "append", unsupported: true},
		"unknown stream": {req: connector.WriteRequest{Stream: "Devices"}, want: `"Devices"`},
		"unknown option": {req: connector.WriteRequest{Stream: "Users", Options: connector.Settings{"create_table": true}}, want: "create_table"},
		"bad method":     {req: connector.WriteRequest{Stream: "Users", Options: connector.Settings{"update_method": "post"}}, want: "update_method"},
		"bad match":      {req: connector.WriteRequest{Stream: "Users", Match: []string{`userName eq "x" or id`}}, want: "match field"},
		"bad key":        {req: connector.WriteRequest{Stream: "Users", Key: []string{"user name"}}, want: "key field"},
	} {
		_, err := conn.(connector.Target).OpenWriter(t.Context(), tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one naming %s", name, err, tc.want)
		}
		if tc.unsupported != errors.Is(err, connector.ErrUnsupported) {
			t.Errorf("%s: errors.Is(err, ErrUnsupported) = %v", name, !tc.unsupported)
		}
	}
}
