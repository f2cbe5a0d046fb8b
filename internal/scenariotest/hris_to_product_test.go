package scenariotest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/internal/sandbox"
	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
	"github.com/onewaysync/oneway/internal/sandbox/scimserver"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// BambooHR employees become SCIM users: an existing user with the same userName is adopted, not
// duplicated; a title, department or manager change is one PATCH of that user; a termination or a
// removal deactivates the user with PATCH active=false and never deletes it; a lost ledger adopts.
func TestHRISToProduct(t *testing.T) {
	apps := startApps(t, sandbox.Options{})
	scim, bamboo, seed := apps.SCIM, apps.BambooHR, apps.Seed
	sc := newScenario(t, "hris-to-product")
	const syncName, target = "hris-to-product", "product/Users"
	priya, _ := bamboo.FindByWorkEmail("priya.shah@example.com")
	dana, _ := bamboo.FindByWorkEmail("dana.whitfield@example.com")
	existing, err := scim.AddUser(map[string]any{"userName": "priya.shah@example.com", "active": true, "nickName": "P"})
	if err != nil {
		t.Fatal(err)
	}

	requireCounts(t, sc.run(), counts{Create: 4})
	if n := len(scim.Users()); n != 4 {
		t.Fatalf("%d SCIM users, want 4 (Dana, Priya adopted, Marcus, Lena; Tom left before)", n)
	}
	if n := scim.Journal.Count(http.MethodPost, "/scim/v2/Users"); n != 3 {
		t.Errorf("%d users created with POST, want 3 (Priya's existing user adopted)", n)
	}
	if u, _ := scim.UserByName("priya.shah@example.com"); u.ID != existing.ID || u.Attributes["nickName"] != "P" || u.Attributes["title"] != "VP Sales" {
		t.Errorf("Priya's user %s %v, want the existing %s adopted with her attributes set and nickName kept", u.ID, u.Attributes, existing.ID)
	}
	marcus := requireUser(t, scim, "marcus.chen@example.com")
	wantMarcus := map[string]any{
		"userName": "marcus.chen@example.com", "externalId": strconv.Itoa(seed.PromotedEmployeeID), "active": true,
		"name":        map[string]any{"givenName": "Marcus", "familyName": "Chen"},
		"displayName": "Marcus Chen", "title": "Software Engineer",
		"emails": []any{map[string]any{"value": "marcus.chen@example.com", "type": "work", "primary": true}},
		enterpriseURN: map[string]any{"employeeNumber": "E-1004", "department": "Engineering",
			"manager": map[string]any{"value": strconv.Itoa(dana.ID)}},
	}
	if diff := cmp.Diff(wantMarcus, userAttrs(marcus)); diff != "" {
		t.Errorf("Marcus's user (-want +got):\n%s", diff)
	}
	if e, ok := sc.entry(syncName, target, strconv.Itoa(seed.PromotedEmployeeID)); !ok || e.TargetID != marcus.ID {
		t.Errorf("ledger entry of Marcus: %+v (found %v), want the SCIM id %s", e, ok, marcus.ID)
	}

	// A title change: one PATCH of that user, nothing else.
	if _, err := apps.ChangeTitle(); err != nil {
		t.Fatal(err)
	}
	sent := len(scim.Journal.Requests())
	requireCounts(t, sc.run(), counts{Update: 1, Unchanged: 3})
	requireWrites(t, scim.Journal.Requests()[sent:], http.MethodPatch+" /scim/v2/Users/"+marcus.ID)
	wantMarcus["title"] = "Senior Software Engineer"
	if diff := cmp.Diff(wantMarcus, userAttrs(requireUser(t, scim, "marcus.chen@example.com"))); diff != "" {
		t.Errorf("Marcus's user after the title change (-want +got):\n%s", diff)
	}

	// A department and manager change.
	lena := requireUser(t, scim, "lena.fischer@example.com")
	if err := bamboo.UpdateEmployee(seed.TerminatedEmployeeID, map[string]string{"department": "Customer Success", "supervisorEId": strconv.Itoa(dana.ID)}); err != nil {
		t.Fatal(err)
	}
	sent = len(scim.Journal.Requests())
	requireCounts(t, sc.run(), counts{Update: 1, Unchanged: 3})
	requireWrites(t, scim.Journal.Requests()[sent:], http.MethodPatch+" /scim/v2/Users/"+lena.ID)
	ext, _ := userAttrs(requireUser(t, scim, "lena.fischer@example.com"))[enterpriseURN].(map[string]any)
	if want := map[string]any{"employeeNumber": "E-1005", "department": "Customer Success", "manager": map[string]any{"value": strconv.Itoa(dana.ID)}}; !cmp.Equal(ext, want) {
		t.Errorf("Lena's enterprise attributes %v, want %v (was managed by %d)", ext, want, priya.ID)
	}

	// Terminated: deactivated with PATCH active=false, never deleted.
	if _, err := apps.TerminateEmployee(); err != nil {
		t.Fatal(err)
	}
	sent = len(scim.Journal.Requests())
	requireCounts(t, sc.run(), counts{Delete: 1, Unchanged: 3})
	requireDeactivated(t, scim, scim.Journal.Requests()[sent:], lena.ID)

	// Removed from BambooHR altogether: deactivated the same way.
	if err := bamboo.DeleteEmployee(seed.PromotedEmployeeID); err != nil {
		t.Fatal(err)
	}
	sent = len(scim.Journal.Requests())
	requireCounts(t, sc.run(), counts{Delete: 1, Unchanged: 2})
	requireDeactivated(t, scim, scim.Journal.Requests()[sent:], marcus.ID)
	requireCounts(t, sc.run(), counts{Unchanged: 2})

	// The state is lost: the current employees' users are found by userName; none is created twice.
	sc.loseLedger()
	requireCounts(t, sc.run(), counts{Create: 2})
	if n, posts := len(scim.Users()), scim.Journal.Count(http.MethodPost, "/scim/v2/Users"); n != 4 || posts != 3 {
		t.Errorf("after the ledger was lost: %d users, %d POSTs in all; want still 4 and 3", n, posts)
	}
	if n := scim.Journal.Count(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d DELETE requests; users are only ever deactivated", n)
	}
}

func requireUser(t *testing.T, s *scimserver.Server, userName string) scimserver.Resource {
	t.Helper()
	u, ok := s.UserByName(userName)
	if !ok {
		t.Fatalf("no SCIM user %s", userName)
	}
	return u
}

// userAttrs are a user's attributes without those the server assigns.
func userAttrs(u scimserver.Resource) map[string]any {
	out := map[string]any{"externalId": u.ExternalID}
	for k, v := range u.Attributes {
		if k != "id" && k != "meta" && k != "schemas" {
			out[k] = v
		}
	}
	return out
}

// requireWrites checks that the only write requests among rs are the given "METHOD path" ones.
func requireWrites(t *testing.T, rs []fakehttp.Request, want ...string) {
	t.Helper()
	var got []string
	for _, r := range rs {
		if r.Method != http.MethodGet {
			got = append(got, r.Method+" "+r.Path)
		}
	}
	if !cmp.Equal(got, want) {
		t.Errorf("writes %v, want %v", got, want)
	}
}

// requireDeactivated checks that the requests deactivated user id with one PATCH setting active to
// false, and that the user is still there, inactive.
func requireDeactivated(t *testing.T, s *scimserver.Server, rs []fakehttp.Request, id string) {
	t.Helper()
	requireWrites(t, rs, http.MethodPatch+" /scim/v2/Users/"+id)
	for _, r := range rs {
		if r.Method != http.MethodPatch {
			continue
		}
		var patch struct {
			Operations []struct {
				Op    string
				Path  string
				Value any
			}
		}
		if err := json.Unmarshal(r.Body, &patch); err != nil {
			t.Fatalf("PATCH body: %v: %s", err, r.Body)
		}
		found := false
		for _, op := range patch.Operations {
			if strings.EqualFold(op.Op, "replace") && op.Path == "active" && op.Value == false {
				found = true
			}
		}
		if !found {
			t.Errorf("the deactivation PATCH has no replace of active with false: %s", r.Body)
		}
	}
	if u, ok := s.User(id); !ok || u.Attributes["active"] != false {
		t.Errorf("user %s after deactivation: present %v, active %v", id, ok, u.Attributes["active"])
	}
}
