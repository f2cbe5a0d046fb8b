package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

const tokenConfig = `
server:
  listen: 0.0.0.0:0
  api_token: ${env:ONEWAY_TEST_API_TOKEN}
` + baseConfig

func TestAPIAuth(t *testing.T) {
	t.Setenv("ONEWAY_TEST_API_TOKEN", "s3cret-token-0123456789")
	f := newFixture(t, tokenConfig)
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no token", "GET", "/api/syncs", "", http.StatusUnauthorized},
		{"wrong token", "GET", "/api/syncs", "Bearer nope", http.StatusUnauthorized},
		{"not bearer", "GET", "/api/syncs", "Basic czNjcmV0LXRva2VuLTAxMjM0NTY3ODk=", http.StatusUnauthorized},
		{"token", "GET", "/api/syncs", "Bearer s3cret-token-0123456789", http.StatusOK},
		{"run without token", "POST", "/api/syncs/s/run", "", http.StatusUnauthorized},
		{"plan without token", "GET", "/api/syncs/s/plan", "", http.StatusUnauthorized},
		{"runs without token", "GET", "/api/runs", "", http.StatusUnauthorized},
		{"rejected without token", "GET", "/api/syncs/s/rejected", "", http.StatusUnauthorized},
		{"drop without token", "POST", "/api/syncs/s/rejected/drop", "", http.StatusUnauthorized},
		{"unknown endpoint without token", "GET", "/api/nothing", "", http.StatusUnauthorized},
		{"metrics without token", "GET", "/metrics", "", http.StatusUnauthorized},
		{"metrics", "GET", "/metrics", "Bearer s3cret-token-0123456789", http.StatusOK},
		{"healthz is open", "GET", "/healthz", "", http.StatusOK},
		{"dashboard sends to login", "GET", "/", "", http.StatusSeeOther},
		{"dashboard form without session", "POST", "/syncs/s/run", "", http.StatusUnauthorized},
		{"login form is open", "GET", "/login", "", http.StatusOK},
		{"stylesheet is open", "GET", "/static/style.css", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(tt.method, tt.path, nil, "Authorization", tt.auth)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusUnauthorized && strings.HasPrefix(tt.path, "/api/") && resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	if n := len(f.ledgerRuns("s", "dst/staff")); n != 0 {
		t.Fatalf("an unauthorized request started %d runs", n)
	}

	// The dashboard's login form trades the token for a session cookie.
	bad := f.do("POST", "/login", strings.NewReader("token=wrong&next=/"), "Authorization", "", "Content-Type", "application/x-www-form-urlencoded")
	if bad.StatusCode != http.StatusUnauthorized || len(bad.Cookies()) != 0 {
		t.Fatalf("wrong token at login: %d %v", bad.StatusCode, bad.Cookies())
	}
	resp := f.do("POST", "/login", strings.NewReader("token=s3cret-token-0123456789&next=//evil.example/"), "Authorization", "", "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q (an off-site next must become /)", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, "s3cret") {
		t.Fatalf("session cookie = %+v", cookies)
	}
	page := f.do("GET", "/", nil, "Authorization", "", "Cookie", cookies[0].Name+"="+cookies[0].Value)
	if page.StatusCode != http.StatusOK || !strings.Contains(body(t, page), `id="syncs"`) {
		t.Fatalf("dashboard with the session: %d", page.StatusCode)
	}
}

func TestAPIRunPlanRunsRejected(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(25, "")

	// Plan: what a run would do, and nothing written anywhere.
	plan := decode[struct {
		Results []struct {
			Target, Status         string
			Create, Update, Delete int
		}
	}](t, f.do("GET", "/api/syncs/s/plan", nil), http.StatusOK)
	if len(plan.Results) != 1 || plan.Results[0].Create != 25 || plan.Results[0].Status != "planned" {
		t.Fatalf("plan = %+v", plan)
	}
	if calls, _ := f.mem.Applied("staff"); calls != 0 || len(f.ledgerRuns("s", "dst/staff")) != 0 {
		t.Fatal("plan wrote something")
	}

	run := f.runNow("s")
	if run.OK == nil || !*run.OK || run.Status != "finished" || len(run.Results) != 1 || run.Results[0].Create != 25 {
		t.Fatalf("run = %+v", run)
	}
	if got := len(f.mem.Records("staff")); got != 25 {
		t.Fatalf("target holds %d records", got)
	}

	// Record 7 is refused by the target from now on; 10 records change.
	f.mem.FailApply("staff", func(c connector.Change) error {
		if v, _ := c.Record["id"].(int64); v == 7 {
			return errors.New("email is not valid")
		}
		return nil
	})
	for i := int64(1); i <= 10; i++ {
		f.mem.Put("people", connector.Record{"id": i, "name": "renamed"})
	}
	run = f.runNow("s")
	if *run.OK || run.Results[0].Update != 9 || run.Results[0].Failed != 1 {
		t.Fatalf("second run = %+v", run.Results[0])
	}

	runs := decode[struct{ Runs []runView }](t, f.do("GET", "/api/runs?sync=s&limit=10", nil), http.StatusOK)
	if len(runs.Runs) != 2 || runs.Runs[0].Update != 9 || runs.Runs[0].Failed != 1 || runs.Runs[1].Create != 25 || runs.Runs[0].ID <= runs.Runs[1].ID {
		t.Fatalf("runs = %+v", runs.Runs)
	}
	if one := decode[struct{ Runs []runView }](t, f.do("GET", "/api/runs?limit=1", nil), http.StatusOK); len(one.Runs) != 1 {
		t.Fatalf("limit 1 gave %d runs", len(one.Runs))
	}
	for _, bad := range []string{"/api/runs?limit=0", "/api/runs?limit=x"} {
		if resp := f.do("GET", bad, nil); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %d", bad, resp.StatusCode)
		}
	}
	if resp := f.do("GET", "/api/runs?sync=nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown sync: %d", resp.StatusCode)
	}

	rej := decode[struct{ Rejected []rejectedView }](t, f.do("GET", "/api/syncs/s/rejected", nil), http.StatusOK)
	if len(rej.Rejected) != 1 || compactJSON(t, rej.Rejected[0].Key) != "[7]" || !strings.Contains(rej.Rejected[0].Reason, "email is not valid") || rej.Rejected[0].Target != "dst/staff" {
		t.Fatalf("rejected = %+v", rej.Rejected)
	}

	syncs := decode[struct{ Syncs []syncView }](t, f.do("GET", "/api/syncs", nil), http.StatusOK)
	if len(syncs.Syncs) != 1 {
		t.Fatalf("syncs = %+v", syncs)
	}
	sv := syncs.Syncs[0]
	if sv.Name != "s" || sv.Status != StatusOK || sv.Records != 25 || sv.Rejected != 1 || sv.LastRun == nil || sv.LagSeconds == nil || len(sv.Targets) != 1 || sv.Targets[0].Target != "dst/staff" {
		t.Fatalf("sync view = %+v", sv)
	}

	// Retry runs the sync; the target still refuses record 7.
	started := decode[runResponse](t, f.do("POST", "/api/syncs/s/rejected/retry?wait=true", nil), http.StatusOK)
	if started.Trigger != TriggerRetry || started.Results[0].Failed != 1 {
		t.Fatalf("retry = %+v", started)
	}
	rej = decode[struct{ Rejected []rejectedView }](t, f.do("GET", "/api/syncs/s/rejected", nil), http.StatusOK)
	if len(rej.Rejected) != 1 || rej.Rejected[0].Attempts != 2 {
		t.Fatalf("after retry: %+v", rej.Rejected)
	}

	// Drop removes it from the list; an unknown key is reported.
	drop := decode[dropResult](t, f.do("POST", "/api/syncs/s/rejected/drop", strings.NewReader(`{"target":"dst/staff","keys":[[7],[99]]}`)), http.StatusOK)
	if drop.Dropped != 1 || len(drop.NotFound) != 1 || compactJSON(t, drop.NotFound[0]) != "[99]" {
		t.Fatalf("drop = %+v", drop)
	}
	if rej = decode[struct{ Rejected []rejectedView }](t, f.do("GET", "/api/syncs/s/rejected", nil), http.StatusOK); len(rej.Rejected) != 0 {
		t.Fatalf("after drop: %+v", rej.Rejected)
	}
	for _, bad := range []string{`{}`, `{"keys":[[1]],"all":true}`, `{"target":"x/y","all":true}`, `not json`, `{"keyz":[]}`} {
		if resp := f.do("POST", "/api/syncs/s/rejected/drop", strings.NewReader(bad)); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("drop %s: %d", bad, resp.StatusCode)
		}
	}

	// A dropped record is not sent again while it is unchanged, though the target still refuses it.
	if run = f.runNow("s"); !*run.OK || run.Results[0].Failed != 0 || run.Results[0].Create+run.Results[0].Update != 0 {
		t.Fatalf("run after the drop: %+v", run.Results[0])
	}
	// Once it changes (fixed at the source) it is sent, and the target takes it.
	f.mem.FailApply("staff", nil)
	f.mem.Put("people", connector.Record{"id": int64(7), "name": "fixed"})
	if run = f.runNow("s"); !*run.OK || run.Results[0].Create+run.Results[0].Update != 1 {
		t.Fatalf("after the fix: %+v", run.Results[0])
	}

	for _, path := range []string{"/api/syncs/nope", "/api/syncs/nope/plan", "/api/syncs/nope/rejected"} {
		if resp := f.do("GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	if resp := f.do("POST", "/api/syncs/nope/run", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("run of an unknown sync: %d", resp.StatusCode)
	}
}

// blockApply makes the target hold every Apply until release is closed, and reports the first one.
func blockApply(f *fixture) (entered <-chan struct{}, release func()) {
	in, out := make(chan struct{}), make(chan struct{})
	var once, rel sync.Once
	f.mem.FailApply("staff", func(connector.Change) error {
		once.Do(func() { close(in) })
		<-out
		return nil
	})
	return in, func() { rel.Do(func() { close(out) }) }
}

func TestAPIRunConflictAndAsync(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(5, "")
	entered, release := blockApply(f)
	defer release()

	started := decode[runResponse](t, f.do("POST", "/api/syncs/s/run", nil), http.StatusAccepted)
	if started.Status != "started" || started.Trigger != TriggerAPI {
		t.Fatalf("async run = %+v", started)
	}
	<-entered
	conflict := f.do("POST", "/api/syncs/s/run", nil)
	if msg := body(t, conflict); conflict.StatusCode != http.StatusConflict || !strings.Contains(msg, "already running") {
		t.Fatalf("second run: %d %s", conflict.StatusCode, msg)
	}
	if resp := f.do("POST", "/api/syncs/s/rejected/drop", strings.NewReader(`{"all":true}`)); resp.StatusCode != http.StatusConflict {
		t.Fatalf("drop while running: %d", resp.StatusCode)
	}
	sv := decode[syncView](t, f.do("GET", "/api/syncs/s", nil), http.StatusOK)
	if !sv.Running || sv.Status != StatusRunning || sv.Progress == nil || sv.Progress.Read != 5 {
		t.Fatalf("while running: %+v", sv)
	}
	release()
	eventually(t, "the run to end", func() bool {
		v := decode[syncView](t, f.do("GET", "/api/syncs/s", nil), http.StatusOK)
		return !v.Running && v.Status == StatusOK && v.Records == 5
	})
	if n := len(f.ledgerRuns("s", "dst/staff")); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

func TestResponsesNeverCarrySecrets(t *testing.T) {
	t.Setenv("ONEWAY_TEST_HOOK_SECRET", "hook-secret-value-42")
	f := newFixture(t, strings.Replace(baseConfig, "  - name: s\n", "  - name: s\n    webhook: {secret: '${env:ONEWAY_TEST_HOOK_SECRET}'}\n", 1))
	f.people(3, "")
	// A target that quotes a secret in its error (as drivers quote DSNs).
	f.mem.FailApply("staff", func(connector.Change) error { return errors.New("login failed for hook-secret-value-42") })
	f.runNow("s")
	for _, path := range []string{"/api/syncs", "/api/syncs/s/rejected", "/api/runs", "/syncs/s", "/syncs/s/plan"} {
		b := body(t, f.do("GET", path, nil))
		if strings.Contains(b, "hook-secret-value-42") {
			t.Fatalf("%s shows the secret:\n%s", path, b)
		}
	}
	rej := decode[struct{ Rejected []rejectedView }](t, f.do("GET", "/api/syncs/s/rejected", nil), http.StatusOK)
	if len(rej.Rejected) != 3 || !strings.Contains(rej.Rejected[0].Reason, "login failed for ***") {
		t.Fatalf("rejected = %+v", rej.Rejected)
	}
	// writeJSON redacts whatever field carries a secret.
	w := httptest.NewRecorder()
	f.srv.writeJSON(w, http.StatusOK, map[string]string{"x": "a hook-secret-value-42 b"})
	if strings.Contains(w.Body.String(), "hook-secret-value-42") {
		t.Fatal("writeJSON let a secret through")
	}
}

func TestNoTokenServesLocalhostOnly(t *testing.T) {
	f := newFixture(t, strings.Replace(baseConfig, "  - name: s\n", "  - name: s\n    webhook: {secret: abc}\n", 1))
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "evil.example:8080": http.StatusMisdirectedRequest} {
		resp := f.do("GET", "/api/syncs", nil, "Host", host)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	// Webhooks come through reverse proxies with their own Host; their signature protects them.
	resp := f.do("POST", "/hooks/s", strings.NewReader("{}"), "Host", "hooks.example.com")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned hook through a proxy: %d, want 401", resp.StatusCode)
	}
}

func TestCrossSiteFormsRefused(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(1, "")
	resp := f.do("POST", "/syncs/s/run", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site form post: %d, want 403", resp.StatusCode)
	}
	resp = f.do("POST", "/syncs/s/run", nil, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=started") {
		t.Fatalf("same-origin form post: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	eventually(t, "the run", func() bool { return len(f.ledgerRuns("s", "dst/staff")) == 1 })
}
