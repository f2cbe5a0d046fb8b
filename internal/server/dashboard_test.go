package server

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// dashboardFixture has a sync with a few runs of every kind of change and one rejected record.
func dashboardFixture(t *testing.T, cfg string) *fixture {
	f := newFixture(t, cfg)
	f.people(8, "")
	f.runNow("s")
	f.people(3, " changed")
	f.mem.Delete("people", int64(8))
	f.runNow("s")
	f.mem.FailApply("staff", func(c connector.Change) error {
		if c.Record["id"] == int64(5) {
			return errors.New("manager does not exist")
		}
		return nil
	})
	f.people(6, " again")
	f.mem.Put("people", connector.Record{"id": int64(9), "name": "new"})
	f.runNow("s")
	return f
}

func TestDashboardPages(t *testing.T) {
	f := dashboardFixture(t, baseConfig)

	index := body(t, f.do("GET", "/", nil))
	for _, want := range []string{`id="syncs"`, `class="sync-row" data-sync="s" data-status="ok"`, `href="/syncs/s"`,
		`action="/syncs/s/run"`, `id="tenant-filter"`} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %s", want)
		}
	}

	page := body(t, f.do("GET", "/syncs/s", nil))
	for _, want := range []string{`id="sync-status"`, `<svg class="runs-chart" data-target="dst/staff"`, `class="c-create"`,
		`class="c-update"`, `class="c-delete"`, `class="c-failed"`, `id="rejected"`, `manager does not exist`,
		`action="/syncs/s/rejected/retry"`, `action="/syncs/s/rejected/drop"`, `id="runs"`, `id="plan-link"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sync page lacks %s", want)
		}
	}
	if n := len(regexp.MustCompile(`<g class="bar">`).FindAllString(page, -1)); n != 3 {
		t.Errorf("chart has %d bars, want 3 (one per run)", n)
	}
	if n := strings.Count(page, `class="run-row"`); n != 3 {
		t.Errorf("%d run rows, want 3", n)
	}

	plan := body(t, f.do("GET", "/syncs/s/plan", nil))
	for _, want := range []string{`class="plan-target" data-target="dst/staff"`, `1 update`, `0 create`} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan page lacks %s:\n%s", want, plan)
		}
	}
	if calls, _ := f.mem.Applied("staff"); calls != 3 {
		t.Errorf("the plan page wrote to the target (%d Apply calls, want 3 from the runs)", calls)
	}

	// Drop from the dashboard.
	resp := f.do("POST", "/syncs/s/rejected/drop", strings.NewReader("target=dst%2Fstaff&key=%5B5%5D"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=dropped") {
		t.Fatalf("drop form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if page = body(t, f.do("GET", "/syncs/s?notice=dropped", nil)); !strings.Contains(page, `id="no-rejected"`) || !strings.Contains(page, `id="notice"`) {
		t.Error("after the drop the rejected list should be empty and the notice shown")
	}
	if resp := f.do("GET", "/syncs/nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown sync page: %d", resp.StatusCode)
	}
}

const tenantConfig = `
tenants:
  - {name: acme}
  - {name: globex}
connections:
  src: {kind: memory}
  dst: {kind: memory}
syncs:
  - name: hired
    tenants: all
    source: {connection: src, stream: people, key: [id]}
    targets:
      - {connection: dst, stream: staff, key: [id], create_table: true}
  - name: acme-legacy
    source: {connection: src, stream: people, key: [id]}
    targets:
      - {connection: dst, stream: legacy, key: [id], create_table: true}
  - name: s
    source: {connection: src, stream: people, key: [id]}
    targets:
      - {connection: dst, stream: other, key: [id], create_table: true}
`

func TestTenantFilter(t *testing.T) {
	f := newFixture(t, tenantConfig)
	names := func(path string) []string {
		v := decode[struct{ Syncs []syncView }](t, f.do("GET", path, nil), http.StatusOK)
		var out []string
		for _, s := range v.Syncs {
			out = append(out, s.Name)
		}
		return out
	}
	for path, want := range map[string]string{
		"/api/syncs":               "hired@acme,hired@globex,acme-legacy,s",
		"/api/syncs?tenant=acme":   "hired@acme,acme-legacy", // the tenant's instance, and a name prefix
		"/api/syncs?tenant=globex": "hired@globex",
		"/api/syncs?tenant=zzz":    "",
	} {
		if got := strings.Join(names(path), ","); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	page := body(t, f.do("GET", "/?tenant=acme", nil))
	if !strings.Contains(page, `data-sync="hired@acme"`) || strings.Contains(page, `data-sync="hired@globex"`) || !strings.Contains(page, `<option value="globex">`) {
		t.Errorf("filtered index page:\n%s", page)
	}
	if page := body(t, f.do("GET", "/?tenant=zzz", nil)); !strings.Contains(page, `id="no-syncs"`) {
		t.Error("an empty filter result should say so")
	}
	v := decode[syncView](t, f.do("GET", "/api/syncs/hired@acme", nil), http.StatusOK)
	if v.Tenant != "acme" {
		t.Errorf("tenant of hired@acme = %q", v.Tenant)
	}
}

func TestBuildChart(t *testing.T) {
	runs := []runView{
		{ID: 3, Target: "a", Create: 0, Update: 2, Failed: 2},
		{ID: 2, Target: "b", Create: 100},
		{ID: 1, Target: "a", Create: 8},
	}
	c := buildChart("a", runs)
	if c.Empty || len(c.Bars) != 2 {
		t.Fatalf("chart = %+v", c)
	}
	// Oldest on the left; the tallest bar (8) fills the plot.
	if c.Bars[0].X >= c.Bars[1].X || len(c.Bars[0].Segments) != 1 || c.Bars[0].Segments[0].Y != c.PlotTop {
		t.Fatalf("bars = %+v", c.Bars)
	}
	if s := c.Bars[1].Segments; len(s) != 2 || s[0].Class != "c-update" || s[1].Class != "c-failed" || s[0].H != s[1].H {
		t.Fatalf("stacked segments = %+v", s)
	}
	if c.YTicks[2].Label != "8" {
		t.Fatalf("y ticks = %+v", c.YTicks)
	}
	if e := buildChart("zzz", runs); !e.Empty {
		t.Fatal("a target without runs should give an empty chart")
	}
}
