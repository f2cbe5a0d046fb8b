package scim

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

func TestPatchOps(t *testing.T) {
	rec := connector.Record{
		"id":           "ignored",
		"meta":         map[string]any{"version": "x"},
		"schemas":      []any{userSchema},
		"userName":     "ada",
		"title":        nil,
		"emails":       []any{map[string]any{"value": "a@x", "primary": true}},
		"phoneNumbers": []any{},
		"name":         map[string]any{"givenName": "Ada", "middleName": nil},
		enterprise:     map[string]any{"department": "R&D", "costCenter": nil, "manager": map[string]any{"value": "E1"}},
	}
	want := []patchOp{
		{Op: "replace", Path: "emails", Value: []any{map[string]any{"value": "a@x", "primary": true}}},
		{Op: "replace", Path: "name", Value: map[string]any{"givenName": "Ada"}},
		{Op: "remove", Path: "name.middleName"},
		{Op: "remove", Path: "phoneNumbers"},
		{Op: "remove", Path: "title"},
		{Op: "remove", Path: enterprise + ":costCenter"},
		{Op: "replace", Path: enterprise + ":department", Value: "R&D"},
		{Op: "replace", Path: enterprise + ":manager", Value: map[string]any{"value": "E1"}},
		{Op: "replace", Path: "userName", Value: "ada"},
	}
	if diff := cmp.Diff(want, patchOps(rec)); diff != "" {
		t.Errorf("patchOps (-want +got):\n%s", diff)
	}
	if ops := patchOps(connector.Record{"id": "x", "schemas": []any{}}); len(ops) != 0 {
		t.Errorf("patchOps of server-assigned attributes only = %v", ops)
	}
}

func TestCreateBodyAddsSchemas(t *testing.T) {
	rt := resourceTypes["Users"]
	got := createBody(rt, connector.Record{"userName": "ada", "id": "x", enterprise: map[string]any{"department": "R&D"}})
	want := map[string]any{
		"userName": "ada",
		"schemas":  []any{userSchema, enterprise},
		enterprise: map[string]any{"department": "R&D"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("createBody (-want +got):\n%s", diff)
	}
	own := createBody(rt, connector.Record{"userName": "ada", "schemas": []any{"urn:custom"}})
	if !cmp.Equal(own["schemas"], []any{"urn:custom"}) {
		t.Errorf("createBody replaced the record's own schemas: %v", own["schemas"])
	}
}

// merged (the PUT body) means what patchOps means.
func TestMerged(t *testing.T) {
	current := map[string]any{
		"schemas":  []any{userSchema},
		"id":       "r1",
		"meta":     map[string]any{"version": `W/"1"`},
		"userName": "ada",
		"nickName": "kept",
		"Title":    "old case",
		"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":   []any{map[string]any{"value": "old@x"}},
	}
	rec := connector.Record{
		"title":    "Engineer",
		"name":     map[string]any{"familyName": nil, "middleName": "King"},
		"emails":   []any{map[string]any{"value": "new@x"}},
		"active":   nil,
		enterprise: map[string]any{"department": "R&D", "manager": map[string]any{"value": "E1"}},
	}
	want := map[string]any{
		"schemas":  []any{userSchema, enterprise},
		"id":       "r1",
		"userName": "ada",
		"nickName": "kept",
		"title":    "Engineer",
		"name":     map[string]any{"givenName": "Ada", "middleName": "King"},
		"emails":   []any{map[string]any{"value": "new@x"}},
		enterprise: map[string]any{"department": "R&D", "manager": map[string]any{"value": "E1"}},
	}
	if diff := cmp.Diff(want, merged(resourceTypes["Users"], current, rec)); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	if current["title"] != nil || current["meta"] == nil {
		t.Error("merged changed the current resource")
	}
}
