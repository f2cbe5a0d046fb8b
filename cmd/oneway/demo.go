package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/sandbox"
	"github.com/onewaysync/oneway/internal/sandbox/bamboohr"
	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/scimserver"
)

// `oneway demo` tells the four scenarios of examples/ as one story against the sandbox apps: a first
// run copies what the sources hold, the sources change (a hire, a new lead, an approval, a title change,
// a termination), a second run carries exactly the difference, a third writes nothing. After each run
// it reads the apps' own stores and checks that every promised change arrived, and nothing else; it
// exits 0 only when every check passed. It holds no sync logic: each scenario is its example's
// oneway.yaml, loaded and executed the way `oneway run` does.

// demoOptions are the flags of `oneway demo`.
type demoOptions struct {
	scenarios []string
	dir       string
	examples  string
	postgres  string
	serve     bool
}

const defaultDemoPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func (a *app) demoCommand() *cobra.Command {
	var opts demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the four example scenarios end to end against local sandbox apps, and check the outcome",
		Long: `demo starts local stand-ins for Greenhouse, BambooHR, Salesforce, Slack and a SCIM 2.0 server on
127.0.0.1, seeded with example data, and runs the examples (examples/<scenario>/oneway.yaml) against them:
a first run, then changes in the sources and a second run, then a third that must write nothing. After
each run it checks the apps' stores. Exit code 0: every check passed; 1: a check or a run failed.

approved-to-client-ats needs PostgreSQL (--postgres, else ONEWAY_TEST_POSTGRES, else
` + defaultDemoPostgres + `); when it cannot be reached the scenario is skipped
and said so (still exit 0), unless it was asked for with --scenario (exit 1).

--serve only starts the apps and prints their environment (ONEWAY_SANDBOX_*), to run an example by hand:
  oneway -c examples/ats-to-hris/oneway.yaml run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.scenarios, "scenario", nil, "run only these scenarios (ats-to-hris, leads-to-slack, approved-to-client-ats, hris-to-product)")
	f.StringVar(&opts.dir, "dir", "", "keep the state here (an empty or new directory); default: a temporary directory, removed at exit")
	f.StringVar(&opts.examples, "examples", "", "the examples folder (default: ./examples, or the nearest parent folder's)")
	f.StringVar(&opts.postgres, "postgres", "", "PostgreSQL DSN for approved-to-client-ats (default: $ONEWAY_TEST_POSTGRES, else "+defaultDemoPostgres+")")
	f.BoolVar(&opts.serve, "serve", false, "only start the sandbox apps, print their environment and wait for Ctrl-C")
	return cmd
}

// demoScenario is one example the demo runs.
type demoScenario struct {
	name, title string
	postgres    bool
	// label names the mapped fields that describe a created record in the output.
	label []string
	// change makes the scenario's source change for the second run and says what it did.
	change func(w *demoWorld, ctx context.Context) ([]string, error)
	// check compares the apps' stores with what the scenario promises after run n (1, 2 or 3).
	check func(w *demoWorld, n int) []demoCheck
}

func demoScenarios() []demoScenario {
	return []demoScenario{
		{name: "ats-to-hris", title: "Greenhouse hired candidates -> BambooHR employees",
			label: []string{"firstName", "lastName"}, change: (*demoWorld).hire, check: (*demoWorld).checkATSToHRIS},
		{name: "leads-to-slack", title: "Salesforce leads -> Slack #" + sandbox.SlackChannel + ", each posted once",
			label: []string{"text"}, change: (*demoWorld).newLead, check: (*demoWorld).checkLeadsToSlack},
		{name: "approved-to-client-ats", title: "approved candidates in PostgreSQL -> each client's Greenhouse", postgres: true,
			label: []string{"email"}, change: (*demoWorld).approve, check: (*demoWorld).checkApprovedToClientATS},
		{name: "hris-to-product", title: "BambooHR employees -> product users over SCIM 2.0",
			label: []string{"userName"}, change: (*demoWorld).promoteAndTerminate, check: (*demoWorld).checkHRISToProduct},
	}
}

// demoCheck is one promise checked against an app's store.
type demoCheck struct {
	OK   bool   `json:"ok"`
	What string `json:"what"`
}

func checkf(ok bool, format string, args ...any) demoCheck {
	return demoCheck{OK: ok, What: fmt.Sprintf(format, args...)}
}

// demoReport is the whole demo, as --json prints it.
type demoReport struct {
	OK      bool              `json:"ok"`
	State   string            `json:"state"`
	Skipped map[string]string `json:"skipped,omitempty"`
	Runs    []*demoRun        `json:"runs"`
}

// demoRun is one pass over the scenarios.
type demoRun struct {
	Title     string             `json:"title"`
	Changes   []string           `json:"changes,omitempty"`
	Scenarios []*demoScenarioRun `json:"scenarios"`
}

type demoScenarioRun struct {
	Name    string           `json:"name"`
	Config  string           `json:"config"`
	Error   string           `json:"error,omitempty"`
	Results []*engine.Result `json:"results"`
	Checks  []demoCheck      `json:"checks"`
}

func (a *app) demo(ctx context.Context, opts demoOptions) error {
	chosen, err := chooseScenarios(opts.scenarios)
	if err != nil {
		return invalid(err)
	}
	examples, err := findExamples(opts.examples)
	if err != nil {
		return invalid(err)
	}
	w, err := startDemoWorld(ctx)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer w.close()

	skipped := map[string]string{}
	if slices.ContainsFunc(chosen, func(s demoScenario) bool { return s.postgres }) {
		if err := w.startPostgres(ctx, postgresDSN(opts.postgres), filepath.Join(examples, "approved-to-client-ats", "seed.sql")); err != nil {
			if len(opts.scenarios) > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("approved-to-client-ats: %w", err)}
			}
			skipped["approved-to-client-ats"] = err.Error()
			chosen = slices.DeleteFunc(chosen, func(s demoScenario) bool { return s.postgres })
		}
	}
	restore := setEnv(w.env)
	defer restore()

	if opts.serve {
		return a.demoServe(ctx, w, skipped)
	}
	dir, cleanup, err := demoStateDir(opts.dir)
	if err != nil {
		return invalid(err)
	}
	defer cleanup()

	d := &demoSession{a: a, w: w, examples: examples, dir: dir, chosen: chosen,
		rep: &demoReport{State: dir, Skipped: skipped}}
	if opts.dir == "" {
		d.rep.State = "" // removed at exit: nothing to point at
	}
	d.intro()
	if err := d.play(ctx); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	d.rep.OK = d.allPassed()
	if a.json {
		if err := a.printJSON(d.rep); err != nil {
			return err
		}
	} else {
		d.outro()
	}
	if !d.rep.OK {
		return errFailed
	}
	return nil
}

// chooseScenarios returns the scenarios named (all when none), in the story's order.
func chooseScenarios(names []string) ([]demoScenario, error) {
	all := demoScenarios()
	if len(names) == 0 {
		return all, nil
	}
	var known []string
	for _, s := range all {
		known = append(known, s.name)
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("unknown scenario %q (scenarios: %s)", n, strings.Join(known, ", "))
		}
	}
	return slices.DeleteFunc(all, func(s demoScenario) bool { return !slices.Contains(names, s.name) }), nil
}

// findExamples locates the examples folder: the flag's, else ./examples or the nearest parent's, so
// that `go run ./cmd/oneway demo` works from anywhere in the repository.
func findExamples(flag string) (string, error) {
	const probe = "ats-to-hris/oneway.yaml"
	if flag != "" {
		if _, err := os.Stat(filepath.Join(flag, probe)); err != nil {
			return "", fmt.Errorf("--examples %s: no %s there", flag, probe)
		}
		return filepath.Abs(flag)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "examples", probe)); err == nil {
			return filepath.Join(d, "examples"), nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("cannot find the examples folder (examples/" + probe + "): run the demo inside the oneway repository, or give --examples DIR")
		}
	}
}

// demoStateDir returns the folder for the scenarios' state files. A given folder must not hold state
// of an earlier demo: its sandbox is gone, so its ledger would describe records that no longer exist.
func demoStateDir(dir string) (string, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "oneway-demo-")
		if err != nil {
			return "", nil, err
		}
		return tmp, func() { os.RemoveAll(tmp) }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("--dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	for _, s := range demoScenarios() {
		if _, err := os.Stat(filepath.Join(abs, s.name+".db")); err == nil {
			return "", nil, fmt.Errorf("--dir %s holds the state of an earlier demo, whose sandbox apps are gone; give an empty or new directory", dir)
		}
	}
	return abs, func() {}, nil
}

func postgresDSN(flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv("ONEWAY_TEST_POSTGRES"); v != "" {
		return v
	}
	return defaultDemoPostgres
}

// setEnv sets the variables the examples' ${env:...} references read (configuration resolves them from
// the process environment) and returns a function that restores what was there before.
func setEnv(env map[string]string) func() {
	type old struct {
		v  string
		ok bool
	}
	prev := map[string]old{}
	for k, v := range env {
		o, ok := os.LookupEnv(k)
		prev[k] = old{o, ok}
		os.Setenv(k, v)
	}
	return func() {
		for k, o := range prev {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// demoServe prints the environment of the running apps and waits until the command is interrupted.
func (a *app) demoServe(ctx context.Context, w *demoWorld, skipped map[string]string) error {
	env := w.printableEnv()
	if a.json {
		if err := a.printJSON(map[string]any{"env": env, "skipped": skipped}); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(a.stdout, "# The sandbox apps run on 127.0.0.1 with fresh seed data. In another shell, from the repository root:")
		for _, k := range slices.Sorted(maps.Keys(env)) {
			fmt.Fprintf(a.stdout, "export %s='%s'\n", k, env[k])
		}
		fmt.Fprintln(a.stdout, "# then run an example, e.g.: go run ./cmd/oneway -c examples/ats-to-hris/oneway.yaml run")
		fmt.Fprintln(a.stdout, "# Each example keeps its state in examples/<name>/.oneway/: delete it when you restart the sandbox.")
		for name, why := range skipped {
			fmt.Fprintf(a.stdout, "# %s cannot run: %s\n", name, why)
		}
		fmt.Fprintln(a.stdout, "# Press Ctrl-C to stop the apps.")
	}
	<-ctx.Done()
	return nil
}

// demoSession is one run of the story.
type demoSession struct {
	a        *app
	w        *demoWorld
	examples string
	dir      string
	chosen   []demoScenario
	rep      *demoReport
}

func (d *demoSession) text() bool { return !d.a.json }

func (d *demoSession) printf(format string, args ...any) {
	if d.text() {
		fmt.Fprintf(d.a.stdout, format, args...)
	}
}

func (d *demoSession) intro() {
	d.printf("oneway demo: %d scenario(s) against sandbox apps on 127.0.0.1\n", len(d.chosen))
	d.printf("  Greenhouse %s, BambooHR %s, Salesforce %s, Slack %s, SCIM %s\n",
		d.w.apps.Greenhouse.URL(), d.w.apps.BambooHR.URL(), d.w.apps.Salesforce.URL(), d.w.apps.Slack.URL(), d.w.apps.SCIM.URL())
	if d.w.pg != nil {
		for _, c := range d.w.clients {
			d.printf("  %s's Greenhouse %s\n", c.tenant, c.srv.URL())
		}
		d.printf("  PostgreSQL %s, schema %s (dropped at exit)\n", d.w.pg.where, d.w.pg.schema)
	}
	for name, why := range d.rep.Skipped {
		d.printf("  SKIPPED %s: %s\n", name, why)
	}
	if d.rep.State != "" {
		d.printf("  state: %s\n", d.rep.State)
	} else {
		d.printf("  state: a temporary directory, removed at exit (--dir keeps it)\n")
	}
}

// play runs the three acts. Its error is for what stops the story (a change that could not be made,
// a cancelled context); failed runs and checks are in the report.
func (d *demoSession) play(ctx context.Context) error {
	if err := d.runAll(ctx, "Run 1: copy what the sources hold today", nil); err != nil {
		return err
	}
	d.w.remember()
	var changes []string
	for _, s := range d.chosen {
		c, err := s.change(d.w, ctx)
		if err != nil {
			return fmt.Errorf("change the source data of %s: %w", s.name, err)
		}
		changes = append(changes, c...)
	}
	if err := d.runAll(ctx, "Run 2: the sources changed; oneway carries exactly the difference", changes); err != nil {
		return err
	}
	return d.runAll(ctx, "Run 3: nothing changed; nothing is written", nil)
}

func (d *demoSession) runAll(ctx context.Context, title string, changes []string) error {
	run := &demoRun{Title: title, Changes: changes}
	d.rep.Runs = append(d.rep.Runs, run)
	n := len(d.rep.Runs)
	d.printf("\n== %s\n", title)
	for _, c := range changes {
		d.printf("   * %s\n", c)
	}
	for _, s := range d.chosen {
		sr := &demoScenarioRun{Name: s.name, Config: filepath.Join(d.examples, s.name, "oneway.yaml")}
		run.Scenarios = append(run.Scenarios, sr)
		d.printf("\n-- %s: %s\n", s.name, s.title)
		spec, rep, err := d.execute(ctx, sr.Config, filepath.Join(d.dir, s.name+".db"))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sr.Error = err.Error()
			sr.Checks = append(sr.Checks, checkf(false, "the run failed: %v", err))
		} else {
			sr.Results = rep.Results
			d.printResults(s, spec, rep)
			sr.Checks = append(sr.Checks, runChecks(rep, n)...)
			sr.Checks = append(sr.Checks, s.check(d.w, n)...)
		}
		for _, c := range sr.Checks {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			d.printf("   %s %s\n", mark, c.What)
		}
	}
	return nil
}

// execute loads an example's configuration and runs all its syncs, as `oneway run` does, with the
// state in statePath.
func (d *demoSession) execute(ctx context.Context, path, statePath string) (*config.Spec, *engine.Report, error) {
	spec, err := config.Load(path, d.a.registry())
	if err != nil {
		return nil, nil, err
	}
	spec.State = statePath
	d.a.spec = spec // errors and logs of this run are redacted with its secrets
	st, err := ledger.OpenSQLite(ctx, spec.State, false)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	rep, err := d.a.engine(st).Execute(ctx, spec, spec.Syncs, engine.Options{Apply: true, Samples: 10})
	return spec, rep, err
}

// runChecks: every target's run succeeded, and a run after a converged one writes nothing.
func runChecks(rep *engine.Report, n int) []demoCheck {
	var out []demoCheck
	for _, r := range rep.Results {
		if r.Status != engine.StatusOK || r.Failed > 0 {
			out = append(out, checkf(false, "%s -> %s: %s, %d failed %s", r.Sync, r.Target, r.Status, r.Failed, r.Error))
			for _, f := range r.Failures {
				out = append(out, checkf(false, "  %s %s: %s", f.Action, compact(f.Key), f.Reason))
			}
			continue
		}
		if n == 3 {
			writes := r.Create + r.Update + r.Delete
			out = append(out, checkf(writes == 0, "%s -> %s: %d written, %d unchanged", r.Sync, r.Target, writes, r.Unchanged))
		}
	}
	return out
}

func (d *demoSession) printResults(s demoScenario, spec *config.Spec, rep *engine.Report) {
	for _, r := range rep.Results {
		counts := fmt.Sprintf("%d created, %d updated", r.Create, r.Update)
		if t := findTarget(spec, r.Sync, r.Target); t != nil && t.Mode == config.ModeMirror {
			removed := "deleted"
			if t.OnDelete == config.OnDeleteSoft {
				removed = "deactivated"
			}
			counts += fmt.Sprintf(", %d %s", r.Delete, removed)
		}
		counts += fmt.Sprintf(", %d unchanged", r.Unchanged)
		if r.Failed > 0 {
			counts += fmt.Sprintf(", %d FAILED", r.Failed)
		}
		d.printf("   %s -> %s: %s\n", r.Sync, r.Target, counts)
		for _, sm := range r.Samples {
			d.printf("     %s %-11s %s%s\n", actionMark(sm.Action), sm.Action, compact(sm.Key), sampleLabel(s, sm))
		}
	}
}

// sampleLabel describes a sample in a few words: the changed fields of an update, else the scenario's
// label fields of the record.
func sampleLabel(s demoScenario, sm engine.Sample) string {
	if len(sm.Changes) > 0 {
		return sampleDetail(sm)
	}
	var parts []string
	for _, f := range s.label {
		if v, ok := sm.Record[f]; ok && v != nil {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, " ")
}

func findTarget(spec *config.Spec, sync, target string) *config.Target {
	for _, sy := range spec.Syncs {
		if sy.Name != sync {
			continue
		}
		for _, t := range sy.Targets {
			if t.ID() == target {
				return t
			}
		}
	}
	return nil
}

func (d *demoSession) allPassed() bool {
	for _, r := range d.rep.Runs {
		for _, s := range r.Scenarios {
			for _, c := range s.Checks {
				if !c.OK {
					return false
				}
			}
		}
	}
	return true
}

func (d *demoSession) outro() {
	total, failed := 0, 0
	for _, r := range d.rep.Runs {
		for _, s := range r.Scenarios {
			for _, c := range s.Checks {
				total++
				if !c.OK {
					failed++
				}
			}
		}
	}
	fmt.Fprintln(d.a.stdout)
	if failed == 0 {
		fmt.Fprintf(d.a.stdout, "PASS: all %d checks passed in %d scenario(s)", total, len(d.chosen))
	} else {
		fmt.Fprintf(d.a.stdout, "FAIL: %d of %d checks failed", failed, total)
	}
	if len(d.rep.Skipped) > 0 {
		fmt.Fprintf(d.a.stdout, "; skipped: %s", strings.Join(slices.Sorted(maps.Keys(d.rep.Skipped)), ", "))
	}
	fmt.Fprintln(d.a.stdout)
}

// demoWorld is the sandbox the story plays in: the apps, the clients' Greenhouses of scenario 3, its
// PostgreSQL schema, and the environment the examples read.
type demoWorld struct {
	apps    *sandbox.Apps
	clients []*clientATS
	pg      *demoPostgres
	env     map[string]string
	// adopted is the product user that existed before the first run (scenario 4 adopts it).
	adopted scimserver.Resource
	// startDates are the start dates a hire may have (the day may turn during the demo).
	startDates []string
	// after run 1, for "nothing else was touched": SCIM user versions and BambooHR employees' changes.
	scimVersions map[string]int
	firstHireAt  time.Time
}

// clientATS is one client's Greenhouse in scenario 3.
type clientATS struct {
	tenant string
	srv    *greenhouse.Server
	job    greenhouse.Job
}

// demoClient is a tenant of examples/approved-to-client-ats/tenants.yaml, with the ids it names there:
// the Greenhouse user that writes are made on behalf of, and the job that candidates apply to.
type demoClient struct {
	tenant, job   string
	userID, jobID int64
}

func demoClients() []demoClient {
	return []demoClient{{"acme", "Solutions Engineer", 4101, 4201}, {"globex", "Data Analyst", 5101, 5201}}
}

func startDemoWorld(ctx context.Context) (w *demoWorld, err error) {
	w = &demoWorld{startDates: []string{time.Now().UTC().Add(14 * 24 * time.Hour).Format(time.DateOnly)}}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.apps, err = sandbox.Start(ctx, sandbox.Options{}); err != nil {
		return nil, err
	}
	w.env = w.apps.Env()
	for _, c := range demoClients() {
		token := "sandbox-" + c.tenant + "-harvest-key"
		srv, err := greenhouse.New(ctx, greenhouse.Options{Token: token})
		if err != nil {
			return nil, fmt.Errorf("start %s's Greenhouse: %w", c.tenant, err)
		}
		recruiter := srv.AddUser(greenhouse.User{ID: c.userID, FirstName: "Robin", LastName: "Reyes", Email: "robin.reyes@" + c.tenant + ".example", SiteAdmin: true})
		job := srv.AddJob(greenhouse.Job{ID: c.jobID, Name: c.job, RecruiterIDs: []int64{recruiter.ID}})
		w.clients = append(w.clients, &clientATS{tenant: c.tenant, srv: srv, job: job})
		prefix := "ONEWAY_SANDBOX_" + strings.ToUpper(c.tenant) + "_GREENHOUSE_"
		w.env[prefix+"URL"] = srv.URL()
		w.env[prefix+"TOKEN"] = token
	}
	// Someone created Dana's product account by hand before oneway was set up: the first run adopts it.
	if w.adopted, err = w.apps.SCIM.AddUser(map[string]any{"userName": "dana.whitfield@example.com", "active": true,
		"name": map[string]any{"givenName": "Dana", "familyName": "Whitfield"}}); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *demoWorld) close() {
	if w.pg != nil {
		w.pg.close()
	}
	for _, c := range w.clients {
		_ = c.srv.Close()
	}
	if w.apps != nil {
		_ = w.apps.Close()
	}
}

// printableEnv is the environment with the PostgreSQL password, if any, masked.
func (w *demoWorld) printableEnv() map[string]string {
	out := map[string]string{}
	for k, v := range w.env {
		out[k] = v
	}
	if w.pg != nil && w.pg.password != "" {
		out["ONEWAY_SANDBOX_PRODUCT_DSN"] = strings.ReplaceAll(w.env["ONEWAY_SANDBOX_PRODUCT_DSN"], w.pg.password, "***")
	}
	return out
}

// remember notes, after the first run, what later runs must leave alone.
func (w *demoWorld) remember() {
	w.scimVersions = map[string]int{}
	for _, u := range w.apps.SCIM.Users() {
		w.scimVersions[u.ID] = u.Version
	}
	if e, ok := w.employeeByNumber(fmt.Sprint("GH-", w.apps.Seed.HiredApplicationID)); ok {
		w.firstHireAt = e.LastChanged
	}
}

// demoPostgres is scenario 3's product database: a schema of its own on a PostgreSQL server.
type demoPostgres struct {
	conn     *pgx.Conn
	schema   string
	where    string // host:port/database, for output
	password string
}

// startPostgres creates a fresh schema, applies the example's seed.sql in it and points the example's
// environment at it.
func (w *demoWorld) startPostgres(ctx context.Context, dsn, seedPath string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return errors.New("the PostgreSQL DSN cannot be parsed (check --postgres or ONEWAY_TEST_POSTGRES)")
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	scrub := func(err error) string {
		s := strings.Join(strings.Fields(err.Error()), " ")
		if cfg.Password != "" {
			s = strings.ReplaceAll(s, cfg.Password, "***")
		}
		return s
	}
	seed, err := os.ReadFile(seedPath)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s is not reachable (%s); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", where, scrub(err))
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	pg := &demoPostgres{conn: conn, schema: "oneway_demo_" + hex.EncodeToString(b[:]), where: where, password: cfg.Password}
	for _, stmt := range []string{"CREATE SCHEMA " + pg.schema, "SET search_path TO " + pg.schema, string(seed)} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			pg.close()
			return fmt.Errorf("seed PostgreSQL at %s: %s", where, scrub(err))
		}
	}
	w.pg = pg
	w.env["ONEWAY_SANDBOX_PRODUCT_DSN"] = dsn
	w.env["ONEWAY_SANDBOX_PRODUCT_SCHEMA"] = pg.schema
	return nil
}

func (p *demoPostgres) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = p.conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+p.schema+" CASCADE")
	_ = p.conn.Close(ctx)
}

// The second act's source changes, one function per scenario.

func (w *demoWorld) hire(context.Context) ([]string, error) {
	app, err := w.apps.HireCandidate()
	if err != nil {
		return nil, err
	}
	w.startDates = append(w.startDates, time.Now().UTC().Add(14*24*time.Hour).Format(time.DateOnly))
	c, _ := w.apps.Greenhouse.Candidate(app.CandidateID)
	return []string{fmt.Sprintf("Greenhouse: %s %s is marked hired (application %d)", c.FirstName, c.LastName, app.ID)}, nil
}

func (w *demoWorld) newLead(context.Context) ([]string, error) {
	l := w.apps.AddLead()
	return []string{fmt.Sprintf("Salesforce: a new lead, %s %s, %s at %s (%s)", l.FirstName, l.LastName, l.Title, l.Company, l.LeadSource)}, nil
}

func (w *demoWorld) approve(ctx context.Context) ([]string, error) {
	var first, last, client string
	err := w.pg.conn.QueryRow(ctx, `UPDATE candidates SET status = 'approved', updated_at = now()
		WHERE id = (SELECT min(id) FROM candidates WHERE status = 'screening')
		RETURNING first_name, last_name, client`).Scan(&first, &last, &client)
	if err != nil {
		return nil, fmt.Errorf("approve a candidate: %w", err)
	}
	return []string{fmt.Sprintf("PostgreSQL: %s %s is approved for %s", first, last, client)}, nil
}

func (w *demoWorld) promoteAndTerminate(context.Context) ([]string, error) {
	e, err := w.apps.ChangeTitle()
	if err != nil {
		return nil, err
	}
	t, err := w.apps.TerminateEmployee()
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("BambooHR: %s %s's title becomes %s", e.Fields["firstName"], e.Fields["lastName"], e.Fields["jobTitle"]),
		fmt.Sprintf("BambooHR: %s %s is terminated", t.Fields["firstName"], t.Fields["lastName"]),
	}, nil
}

// Checks: what each scenario promises, read from the apps' own stores.

// demoHire is a hire of the sandbox's seed as scenario 1 must write it to BambooHR.
type demoHire struct {
	app     int64
	manager string // the hiring manager's work e-mail
	fields  map[string]string
}

func (w *demoWorld) checkATSToHRIS(n int) []demoCheck {
	hires := []demoHire{{app: w.apps.Seed.HiredApplicationID, manager: "dana.whitfield@example.com", fields: map[string]string{
		"firstName": "Ada", "lastName": "Lovelace", "jobTitle": "Backend Engineer", "address1": "12 Analytical Way",
		"city": "Springfield", "state": "IL", "zipcode": "62701", "country": "United States"}}}
	if n >= 2 {
		hires = append(hires, demoHire{app: w.apps.Seed.PendingApplicationID, manager: "priya.shah@example.com", fields: map[string]string{
			"firstName": "Grace", "lastName": "Hopper", "jobTitle": "Account Executive", "address1": "1 Compiler Court",
			"city": "Arlington", "state": "VA", "zipcode": "22201", "country": "United States"}})
	}
	var out []demoCheck
	ids := map[string]bool{}
	for _, h := range hires {
		number := fmt.Sprint("GH-", h.app)
		matches := 0
		var emp bamboohr.Employee
		for _, e := range w.apps.BambooHR.Employees() {
			if e.Fields["employeeNumber"] == number {
				matches++
				emp = e
			}
		}
		if matches != 1 {
			out = append(out, checkf(false, "BambooHR: %d employees with employeeNumber %s, want 1", matches, number))
			continue
		}
		ids[fmt.Sprint(emp.ID)] = true
		f := emp.Fields
		mgr, _ := w.apps.BambooHR.FindByWorkEmail(h.manager)
		var wrong []string
		for name, v := range h.fields {
			if f[name] != v {
				wrong = append(wrong, fmt.Sprintf("%s %q (want %q)", name, f[name], v))
			}
		}
		if f["supervisorEId"] != fmt.Sprint(mgr.ID) {
			wrong = append(wrong, fmt.Sprintf("supervisorEId %q (want %d, %s)", f["supervisorEId"], mgr.ID, h.manager))
		}
		if !slices.Contains(w.startDates, f["hireDate"]) {
			wrong = append(wrong, fmt.Sprintf("hireDate %q (want the offer's start date, %s)", f["hireDate"], w.startDates[0]))
		}
		slices.Sort(wrong)
		out = append(out, checkf(len(wrong) == 0, "BambooHR employee %d %s %s: %s, manager %s %s, starts %s, %s, %s %s %s, %s%s",
			emp.ID, f["firstName"], f["lastName"], f["jobTitle"], mgr.Fields["firstName"], mgr.Fields["lastName"],
			f["hireDate"], f["address1"], f["city"], f["state"], f["zipcode"], f["country"], problems(wrong)))
	}
	if n >= 2 {
		e, _ := w.employeeByNumber(fmt.Sprint("GH-", w.apps.Seed.HiredApplicationID))
		out = append(out, checkf(e.LastChanged.Equal(w.firstHireAt), "BambooHR: the employee of the first hire was not written again"))
	}
	// Only the hires' employees are ever written: every write is a create or goes to one of them.
	var stray []string
	for _, r := range w.apps.BambooHR.Journal.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		id := strings.Trim(strings.TrimPrefix(r.Path, "/api/gateway.php/"+sandbox.BambooHRCompany+"/v1/employees"), "/")
		if id != "" && !ids[id] {
			stray = append(stray, r.Path)
		}
	}
	out = append(out, checkf(len(stray) == 0, "BambooHR: no other employee was written%s", problems(stray)))
	return out
}

// employeeByNumber finds the BambooHR employee with an employeeNumber, as scenario 1 keys them.
func (w *demoWorld) employeeByNumber(number string) (bamboohr.Employee, bool) {
	for _, e := range w.apps.BambooHR.Employees() {
		if e.Fields["employeeNumber"] == number {
			return e, true
		}
	}
	return bamboohr.Employee{}, false
}

func (w *demoWorld) checkLeadsToSlack(int) []demoCheck {
	msgs := w.apps.Slack.Messages(sandbox.SlackChannel)
	var out []demoCheck
	live := 0
	for _, l := range w.apps.Salesforce.Leads() {
		posted := 0
		for _, m := range msgs {
			if bytes.Contains(m.Blocks, []byte("/Lead/"+l.ID+"/view")) {
				posted++
			}
		}
		name := strings.TrimSpace(l.FirstName + " " + l.LastName)
		if l.IsDeleted {
			out = append(out, checkf(posted == 0, "Slack: the lead deleted in Salesforce (%s) was not posted", name))
			continue
		}
		live++
		out = append(out, checkf(posted == 1, "Slack #%s: %s (%s, %s, %s) posted %d time(s), with a link back", sandbox.SlackChannel, name, l.Title, l.Company, l.LeadSource, posted))
	}
	// The messages themselves, not the request journal: a post refused with 429 and sent again after
	// Retry-After is two requests but one message.
	out = append(out, checkf(len(msgs) == live, "Slack #%s: %d messages for %d leads", sandbox.SlackChannel, len(msgs), live))
	return out
}

func (w *demoWorld) checkApprovedToClientATS(int) []demoCheck {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := map[string][]string{}
	rows, err := w.pg.conn.Query(ctx, `SELECT client, lower(email) FROM candidates WHERE status = 'approved' ORDER BY 2`)
	if err != nil {
		return []demoCheck{checkf(false, "read the approved candidates: %v", err)}
	}
	for rows.Next() {
		var client, email string
		if err := rows.Scan(&client, &email); err != nil {
			return []demoCheck{checkf(false, "read the approved candidates: %v", err)}
		}
		want[client] = append(want[client], email)
	}
	if err := rows.Err(); err != nil {
		return []demoCheck{checkf(false, "read the approved candidates: %v", err)}
	}
	var out []demoCheck
	for _, c := range w.clients {
		var got []string
		applied := 0
		for _, cand := range c.srv.Candidates() {
			for _, e := range cand.EmailAddresses {
				got = append(got, strings.ToLower(e.Value))
			}
		}
		for _, a := range c.srv.Applications() {
			if a.JobID == c.job.ID {
				applied++
			}
		}
		slices.Sort(got)
		ok := slices.Equal(got, want[c.tenant]) && applied == len(got)
		out = append(out, checkf(ok, "%s's Greenhouse: %d candidate(s) %v, %d applied to %q (want the approved %v)", c.tenant, len(got), got, applied, c.job.Name, want[c.tenant]))
	}
	return out
}

func (w *demoWorld) checkHRISToProduct(n int) []demoCheck {
	const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	var out []demoCheck
	expected := 0
	changed := map[string]bool{}
	for _, e := range w.apps.BambooHR.Employees() {
		email := strings.ToLower(e.Fields["workEmail"])
		if email == "" {
			continue // no work e-mail yet (a new hire): the sync's filter leaves it out
		}
		u, found := w.apps.SCIM.UserByName(email)
		name := e.Fields["firstName"] + " " + e.Fields["lastName"]
		if e.Fields["status"] != "Active" {
			if e.ID == w.apps.Seed.TerminatedEmployeeID && n >= 2 {
				expected++
				changed[u.ID] = true
				out = append(out, checkf(found && u.Attributes["active"] == false, "SCIM: %s (terminated) is deactivated: active=%v, not deleted", name, u.Attributes["active"]))
			} else {
				out = append(out, checkf(!found, "SCIM: %s (terminated before the first run) was never provisioned", name))
			}
			continue
		}
		expected++
		if e.ID == w.apps.Seed.PromotedEmployeeID {
			changed[u.ID] = true
		}
		ext, _ := u.Attributes[enterprise].(map[string]any)
		manager, _ := ext["manager"].(map[string]any)
		var wrong []string
		for _, c := range []struct {
			attr string
			got  any
			want string
		}{{"externalId", u.ExternalID, fmt.Sprint(e.ID)}, {"title", u.Attributes["title"], e.Fields["jobTitle"]},
			{"department", ext["department"], e.Fields["department"]}, {"manager", manager["value"], e.Fields["supervisorEId"]}} {
			if got := fmt.Sprint(orEmpty(c.got)); got != c.want {
				wrong = append(wrong, fmt.Sprintf("%s %q (want %q)", c.attr, got, c.want))
			}
		}
		if !found || u.Attributes["active"] != true {
			wrong = append(wrong, fmt.Sprintf("found %v, active %v", found, u.Attributes["active"]))
		}
		what := fmt.Sprintf("SCIM: %s is active: %v, %v", email, u.Attributes["title"], ext["department"])
		if email == w.adopted.Attributes["userName"] {
			what += ", adopted (the user that existed before, no duplicate)"
			if u.ID != w.adopted.ID {
				wrong = append(wrong, fmt.Sprintf("id %s (want the existing user's %s)", u.ID, w.adopted.ID))
			}
		}
		out = append(out, checkf(len(wrong) == 0, "%s%s", what, problems(wrong)))
	}
	users := w.apps.SCIM.Users()
	out = append(out, checkf(len(users) == expected, "SCIM: %d users, want %d", len(users), expected))
	if n >= 2 {
		var touched []string
		for _, u := range users {
			if v, ok := w.scimVersions[u.ID]; ok && v != u.Version && !changed[u.ID] {
				touched = append(touched, fmt.Sprint(u.Attributes["userName"]))
			}
		}
		out = append(out, checkf(len(touched) == 0, "SCIM: no other user was written%s", problems(touched)))
	}
	return out
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func problems(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return " -- WRONG: " + strings.Join(p, "; ")
}
