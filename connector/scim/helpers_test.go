package scim_test

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/scim"
)

// open returns a connection to url with the test token.
func open(t *testing.T, url string, extra ...connector.Settings) connector.Conn {
	t.Helper()
	s := connector.Settings{"url": url, "token": testToken, "timeout": "5s"}
	for _, e := range extra {
		for k, v := range e {
			s[k] = v
		}
	}
	conn, err := scim.New(s, connector.Env{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// openWriter opens a writer on Users with key [userName] unless req says otherwise.
func openWriter(t *testing.T, conn connector.Conn, req connector.WriteRequest) connector.Writer {
	t.Helper()
	if req.Stream == "" {
		req.Stream = "Users"
	}
	if req.Key == nil {
		req.Key = []string{"userName"}
	}
	w, err := conn.(connector.Target).OpenWriter(t.Context(), req)
	if err != nil {
		t.Fatalf("OpenWriter: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// applyAll applies changes and returns their results, failing t on a batch error or a short answer.
func applyAll(t *testing.T, w connector.Writer, changes ...connector.Change) []connector.Result {
	t.Helper()
	results, err := w.Apply(t.Context(), changes)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(results) != len(changes) {
		t.Fatalf("Apply of %d changes returned %d results", len(changes), len(results))
	}
	return results
}

// mustApply applies one change and fails t unless it succeeded; it returns the SCIM id.
func mustApply(t *testing.T, w connector.Writer, ch connector.Change) string {
	t.Helper()
	r := applyAll(t, w, ch)[0]
	if r.Err != nil {
		t.Fatalf("%v of %v: %v", ch.Action, ch.Key, r.Err)
	}
	return r.ID
}

func create(userName string, rec connector.Record) connector.Change {
	rec = rec.Clone()
	rec["userName"] = userName
	return connector.Change{Action: connector.Create, Key: []any{userName}, Record: rec}
}

// employee is a user as the hris-to-product scenario maps one.
func employee(userName, title, department, manager string) connector.Record {
	return connector.Record{
		"userName": userName,
		"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"title":    title,
		"active":   true,
		enterpriseSchema: map[string]any{
			"department": department,
			"manager":    map[string]any{"value": manager},
		},
	}
}
