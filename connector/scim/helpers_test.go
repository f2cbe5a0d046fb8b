package scim_test

import (
	"maps"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/connector/scim"
)

// open returns a connection to url with the test token.
func open(t *testing.T, url string, extra ...connector.Settings) connector.Conn {
	t.Helper()
	s := connector.Settings{"url": url, "token": testToken, "timeout": "5s"}
	for _, e := range extra {
		maps.Copy(s, e)
	}
	return connectortest.Open(t, scim.New, s)
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
	return connectortest.OpenWriter(t, conn.(connector.Target), req)
}

// mustApply applies one change and fails t unless it succeeded; it returns the SCIM id.
func mustApply(t *testing.T, w connector.Writer, ch connector.Change) string {
	t.Helper()
	r := connectortest.Apply(t, w, ch)[0]
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
