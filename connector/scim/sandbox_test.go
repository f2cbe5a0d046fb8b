package scim_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
	"github.com/onewaysync/oneway/internal/sandbox/scimserver"
)

// The hris-to-product scenario against the sandbox's SCIM server (elimity-com/scim with the enterprise
// extension), which `oneway demo` provisions into: adopt, create, 409, PATCH on a title, department and
// manager change, deactivate, delete, throttling.
func TestHRISToProductAgainstSandbox(t *testing.T) {
	srv := sandboxtest.Start(t, scimserver.New, scimserver.Options{Token: testToken})
	conn := open(t, srv.URL())
	w := openWriter(t, conn, connector.WriteRequest{Match: []string{"userName"}})

	pre, err := srv.AddUser(map[string]any{"userName": "grace@example.com", "active": true})
	if err != nil {
		t.Fatal(err)
	}
	results := connectortest.Apply(t, w,
		connector.Change{Action: connector.Create, Key: []any{"ada@example.com"}, Record: employee("ada@example.com", "Engineer", "R&D", "E100")},
		connector.Change{Action: connector.Create, Key: []any{"grace@example.com"}, Record: employee("grace@example.com", "Admiral", "Navy", "E1")},
	)
	for _, r := range results {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if results[1].ID != pre.ID || len(srv.Users()) != 2 {
		t.Fatalf("grace adopted as %q (want %q), %d users", results[1].ID, pre.ID, len(srv.Users()))
	}
	adaID := results[0].ID

	// A create whose user exists, without match: 409, then adoption.
	plain := openWriter(t, conn, connector.WriteRequest{})
	if id := mustApply(t, plain, connector.Change{Action: connector.Create, Key: []any{"ada@example.com"}, Record: employee("ada@example.com", "Engineer", "R&D", "E100")}); id != adaID {
		t.Errorf("409 adoption returned %q, want %q", id, adaID)
	}

	// Title, department and manager change.
	before := srv.Journal.Count(http.MethodPatch, "/scim/v2/Users/"+adaID)
	mustApply(t, w, connector.Change{Action: connector.Update, Key: []any{"ada@example.com"}, ID: adaID, Record: employee("ada@example.com", "Staff Engineer", "Platform", "E200")})
	if srv.Journal.Count(http.MethodPatch, "/scim/v2/Users/"+adaID) != before+1 {
		t.Error("the update was not one PATCH")
	}
	u, _ := srv.User(adaID)
	ext, _ := u.Attributes[enterpriseSchema].(map[string]any)
	manager, _ := ext["manager"].(map[string]any)
	if u.Attributes["title"] != "Staff Engineer" || ext["department"] != "Platform" || manager["value"] != "E200" {
		t.Errorf("after the update: %v", u.Attributes)
	}

	// Terminated: deactivated, not deleted.
	mustApply(t, w, connector.Change{Action: connector.SoftDelete, Key: []any{"ada@example.com"}, ID: adaID, Record: connector.Record{"active": false}})
	if u, ok := srv.User(adaID); !ok || u.Attributes["active"] != false || u.Attributes["title"] != "Staff Engineer" {
		t.Errorf("after the soft delete: %v %v", ok, u.Attributes)
	}

	// Throttled: transient with the server's Retry-After.
	srv.Faults.Throttle(1, 3*time.Second)
	r := connectortest.Apply(t, w, connector.Change{Action: connector.Delete, Key: []any{"grace@example.com"}, ID: pre.ID})[0]
	if d, ok := connector.RetryAfterOf(r.Err); !ok || d != 3*time.Second {
		t.Errorf("throttled delete: %v", r.Err)
	}
	mustApply(t, w, connector.Change{Action: connector.Delete, Key: []any{"grace@example.com"}, ID: pre.ID})
	if _, ok := srv.User(pre.ID); ok {
		t.Error("grace is still there after DELETE")
	}
	r = connectortest.Apply(t, w, connector.Change{Action: connector.Update, Key: []any{"grace@example.com"}, ID: pre.ID, Record: connector.Record{"title": "x"}})[0]
	if !errors.Is(r.Err, connector.ErrNotFound) {
		t.Errorf("update of the deleted user: %v, want ErrNotFound", r.Err)
	}
}
