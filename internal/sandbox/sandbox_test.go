package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T) *Apps {
	t.Helper()
	return sandboxtest.Start(t, Start, Options{SlackPerChannelRate: -1})
}

// fetch GETs target with the given credentials and decodes the JSON answer into v.
func fetch(t *testing.T, target string, auth func(*http.Request), v any) {
	t.Helper()
	r := sandboxtest.Do(t, http.MethodGet, target, "", sandboxtest.Headers(map[string]string{"Accept": "application/json"}), auth)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, r.Status, r.Body)
	}
	r.Decode(t, v)
}

func TestSeedAndDemoChangesOverHTTP(t *testing.T) {
	apps := start(t)
	env := apps.Env()
	for k, v := range env {
		if v == "" {
			t.Errorf("%s is empty", k)
		}
	}

	hired := func() []map[string]any {
		var out []map[string]any
		fetch(t, env["ONEWAY_SANDBOX_GREENHOUSE_URL"]+"/v1/applications?status=hired", sandboxtest.Basic(GreenhouseToken, "x"), &out)
		return out
	}
	if h := hired(); len(h) != 1 {
		t.Fatalf("seeded hired applications: %d, want 1", len(h))
	}
	directory := func() int {
		var d struct{ Employees []map[string]any }
		fetch(t, env["ONEWAY_SANDBOX_BAMBOOHR_BASE_URL"]+"/employees/directory", sandboxtest.Basic(BambooHRKey, "x"), &d)
		return len(d.Employees)
	}
	if n := directory(); n != 4 {
		t.Fatalf("directory lists %d active employees, want 4 (one more is terminated)", n)
	}
	leads := func(resource string) int {
		var r struct{ TotalSize int }
		q := url.QueryEscape("SELECT Id, FirstName, LastName, Title, Company, LeadSource FROM Lead ORDER BY SystemModstamp, Id")
		fetch(t, env["ONEWAY_SANDBOX_SALESFORCE_URL"]+"/services/data/v"+env["ONEWAY_SANDBOX_SALESFORCE_API_VERSION"]+"/"+resource+"?q="+q, sandboxtest.Bearer(SalesforceToken), &r)
		return r.TotalSize
	}
	if q, all := leads("query"), leads("queryAll"); q != 3 || all != 4 {
		t.Fatalf("leads: query %d, queryAll %d; want 3 and 4 (one deleted)", q, all)
	}
	if n := len(apps.Slack.Messages(SlackChannel)); n != 0 {
		t.Fatalf("#leads has %d messages at start", n)
	}
	var users struct{ TotalResults int }
	fetch(t, env["ONEWAY_SANDBOX_SCIM_URL"]+"/Users", sandboxtest.Bearer(SCIMToken), &users)
	if users.TotalResults != 0 {
		t.Fatalf("SCIM store has %d users at start", users.TotalResults)
	}

	if _, err := apps.HireCandidate(); err != nil {
		t.Fatal(err)
	}
	if _, err := apps.HireCandidate(); err == nil {
		t.Fatal("hiring the same candidate twice succeeded")
	}
	if h := hired(); len(h) != 2 {
		t.Fatalf("after HireCandidate: %d hired, want 2", len(h))
	}
	e, err := apps.ChangeTitle()
	if err != nil || e.Fields["jobTitle"] != "Senior Software Engineer" {
		t.Fatalf("ChangeTitle: %+v %v", e, err)
	}
	if l := apps.AddLead(); l.ID == "" || leads("query") != 4 {
		t.Fatalf("AddLead: %+v, query sees %d", l, leads("query"))
	}
	if _, err := apps.TerminateEmployee(); err != nil {
		t.Fatal(err)
	}
	if n := directory(); n != 3 {
		t.Fatalf("directory after termination: %d, want 3", n)
	}
	resp, err := http.Post(apps.SlackWebhookURL, "application/json", strings.NewReader(`{"text":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if m := apps.Slack.Messages(apps.Seed.SlackChannelID); resp.StatusCode != 200 || len(m) != 1 {
		t.Fatalf("webhook: %d, %d messages", resp.StatusCode, len(m))
	}
}

func TestContextCancelStopsApps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	apps, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	target := apps.Greenhouse.URL()
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(target + "/v1/jobs")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still answering after the context was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := apps.Close(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}
