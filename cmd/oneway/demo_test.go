package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresReachable reports whether the demo will find PostgreSQL for approved-to-client-ats; under
// CI=true it must.
func postgresReachable(t *testing.T) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, postgresDSN(""))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not reachable under CI=true: %v", err)
		}
		return false
	}
	_ = conn.Close(ctx)
	return true
}

// The whole story: exit 0, every promised change printed and checked, the state kept in --dir, and the
// process environment left as it was.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	withPG := postgresReachable(t)
	o := cli(t, "demo", "--dir", dir)
	if o.code != exitOK {
		t.Fatalf("demo exit %d\n%s\nstderr: %s", o.code, o.stdout, o.stderr)
	}
	want := []string{
		"== Run 1: copy what the sources hold today",
		"ats-to-hris -> hris/employees: 1 created, 0 updated, 0 unchanged",
		"Ada Lovelace: Backend Engineer, manager Dana Whitfield, starts ",
		"leads-to-slack -> slack/#leads: 3 created",
		"ok   Slack #leads: Jordan Blake (CTO, Northwind Traders, Web) posted 1 time(s), with a link back",
		"ok   Slack: the lead deleted in Salesforce (Spam) was not posted",
		"hris-to-product -> product/Users: 4 created, 0 updated, 0 deactivated, 0 unchanged",
		"adopted (the user that existed before, no duplicate)",
		"== Run 2: the sources changed",
		"* Greenhouse: Grace Hopper is marked hired",
		"* Salesforce: a new lead, Noor Haddad",
		"* BambooHR: Marcus Chen's title becomes Senior Software Engineer",
		"* BambooHR: Lena Fischer is terminated",
		"ats-to-hris -> hris/employees: 1 created, 0 updated, 1 unchanged",
		"Grace Hopper: Account Executive, manager Priya Shah, starts ",
		"ok   Slack #leads: Noor Haddad (Director of IT, Tailspin Toys, Webinar) posted 1 time(s)",
		"hris-to-product -> product/Users: 0 created, 1 updated, 1 deactivated, 2 unchanged",
		`~ update      ["103"]  title: "Software Engineer" → "Senior Software Engineer"`,
		"ok   SCIM: Lena Fischer (terminated) is deactivated: active=false, not deleted",
		"ok   SCIM: no other user was written",
		"== Run 3: nothing changed; nothing is written",
		"ok   hris-to-product -> product/Users: 0 written, 3 unchanged",
		"PASS: all ",
	}
	if withPG {
		want = append(want,
			"* PostgreSQL: Omar Farouk is approved for acme",
			"approved-to-client-ats@acme -> client_ats@acme/candidates: 1 created, 0 updated, 0 unchanged",
			"ok   acme's Greenhouse: 2 candidate(s) [maya.patel@example.org omar.farouk@example.org], 2 applied",
			"ok   globex's Greenhouse: 2 candidate(s)",
			"in 4 scenario(s)")
	} else {
		want = append(want, "SKIPPED approved-to-client-ats: PostgreSQL", "skipped: approved-to-client-ats")
	}
	for _, w := range want {
		if !strings.Contains(o.stdout, w) {
			t.Errorf("the demo's output lacks %q", w)
		}
	}
	if strings.Contains(o.stdout, "FAIL") {
		t.Errorf("a check failed")
	}
	if t.Failed() {
		t.Logf("output:\n%s\nstderr: %s", o.stdout, o.stderr)
	}
	for _, name := range []string{"ats-to-hris", "leads-to-slack", "hris-to-product"} {
		if _, err := os.Stat(filepath.Join(dir, name+".db")); err != nil {
			t.Errorf("--dir holds no state of %s: %v", name, err)
		}
	}
	if v, ok := os.LookupEnv("ONEWAY_SANDBOX_SCIM_URL"); ok {
		t.Errorf("the demo left ONEWAY_SANDBOX_SCIM_URL=%s in the environment", v)
	}
	// A second demo into the same folder would meet a ledger of apps that are gone: refused.
	if o := cli(t, "demo", "--dir", dir); o.code != exitInvalid || !strings.Contains(o.stderr, "earlier demo") {
		t.Errorf("demo into a used --dir: exit %d, stderr %s", o.code, o.stderr)
	}
}

// --json prints one document with every run's results and checks.
func TestDemoJSON(t *testing.T) {
	o := cli(t, "demo", "--json", "--scenario", "hris-to-product,ats-to-hris")
	if o.code != exitOK {
		t.Fatalf("demo exit %d\n%s\nstderr: %s", o.code, o.stdout, o.stderr)
	}
	var rep demoReport
	if err := json.Unmarshal([]byte(o.stdout), &rep); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, o.stdout)
	}
	if !rep.OK || len(rep.Runs) != 3 {
		t.Fatalf("ok %v, %d runs", rep.OK, len(rep.Runs))
	}
	for _, run := range rep.Runs {
		if len(run.Scenarios) != 2 || run.Scenarios[0].Name != "ats-to-hris" || run.Scenarios[1].Name != "hris-to-product" {
			t.Fatalf("scenarios of %q: %+v", run.Title, run.Scenarios)
		}
		for _, s := range run.Scenarios {
			if len(s.Checks) == 0 {
				t.Errorf("%s in %q has no checks", s.Name, run.Title)
			}
			for _, c := range s.Checks {
				if !c.OK {
					t.Errorf("%s: %s", s.Name, c.What)
				}
			}
		}
	}
	r := rep.Runs[1].Scenarios[1].Results[0]
	if r.Update != 1 || r.Delete != 1 || r.Create != 0 {
		t.Errorf("hris-to-product's second run: %+v", r)
	}
	if len(rep.Runs[1].Changes) != 3 {
		t.Errorf("changes of the second run: %q", rep.Runs[1].Changes)
	}
}

// A scenario whose promise breaks makes the demo fail: here an example that deletes users instead of
// deactivating them.
func TestDemoFailsWhenAPromiseIsBroken(t *testing.T) {
	examples := t.TempDir()
	src, err := findExamples("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ats-to-hris", "hris-to-product"} {
		b, err := os.ReadFile(filepath.Join(src, name, "oneway.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if name == "hris-to-product" {
			b = []byte(strings.Replace(strings.Replace(string(b), "on_delete: soft", "on_delete: delete", 1), "soft_delete: {active: false}", "", 1))
		}
		if err := os.MkdirAll(filepath.Join(examples, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(examples, name, "oneway.yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := cli(t, "demo", "--examples", examples, "--scenario", "hris-to-product")
	if o.code != exitFailed {
		t.Fatalf("demo exit %d, want %d\n%s", o.code, exitFailed, o.stdout)
	}
	if !strings.Contains(o.stdout, "FAIL SCIM: Lena Fischer (terminated) is deactivated") || !strings.Contains(o.stdout, "FAIL: ") {
		t.Errorf("the failure is not reported:\n%s", o.stdout)
	}
}

func TestDemoUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--scenario", "nope"}, `unknown scenario "nope"`},
		{[]string{"demo", "--examples", t.TempDir()}, "no ats-to-hris/oneway.yaml there"},
	} {
		o := cli(t, tc.args...)
		if o.code != exitInvalid || !strings.Contains(o.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, o.code, o.stderr, exitInvalid, tc.want)
		}
	}
}

// Without PostgreSQL the demo runs the other three scenarios and says that it skipped the fourth (exit
// 0); asked for that scenario by name, it fails. The DSN's password is never printed.
func TestDemoWithoutPostgres(t *testing.T) {
	const dsn = "postgres://demo:s3cret-pw@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2"
	o := cli(t, "demo", "--postgres", dsn)
	if o.code != exitOK || !strings.Contains(o.stdout, "SKIPPED approved-to-client-ats: PostgreSQL at 127.0.0.1:1/nowhere is not reachable") ||
		!strings.Contains(o.stdout, "PASS: all ") || !strings.Contains(o.stdout, "in 3 scenario(s); skipped: approved-to-client-ats") {
		t.Errorf("demo without PostgreSQL: exit %d\n%s\nstderr: %s", o.code, o.stdout, o.stderr)
	}
	o2 := cli(t, "demo", "--postgres", dsn, "--scenario", "approved-to-client-ats")
	if o2.code != exitFailed || !strings.Contains(o2.stderr, "approved-to-client-ats: PostgreSQL at 127.0.0.1:1/nowhere is not reachable") {
		t.Errorf("demo --scenario approved-to-client-ats without PostgreSQL: exit %d, stderr %s", o2.code, o2.stderr)
	}
	for _, out := range []string{o.stdout, o.stderr, o2.stdout, o2.stderr} {
		if strings.Contains(out, "s3cret-pw") {
			t.Errorf("the DSN's password was printed: %s", out)
		}
	}
}
