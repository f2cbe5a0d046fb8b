package scenariotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/testservice"
)

// clientATS is one tenant's Greenhouse: the user and job ids are those examples/approved-to-client-ats/
// tenants.yaml names.
type clientATS struct {
	tenant, token string
	srv           *greenhouse.Server
	userID, jobID int64
}

// startClients starts acme's and globex's Greenhouse and sets the variables tenants.yaml reads.
func startClients(t *testing.T) map[string]*clientATS {
	t.Helper()
	out := map[string]*clientATS{}
	for _, c := range []clientATS{{tenant: "acme", userID: 4101, jobID: 4201}, {tenant: "globex", userID: 5101, jobID: 5201}} {
		c.token = "client-" + c.tenant + "-harvest-key"
		srv, err := greenhouse.New(context.Background(), greenhouse.Options{Token: c.token, RateLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		srv.AddUser(greenhouse.User{ID: c.userID, FirstName: "Robin", LastName: "Reyes", Email: "robin@" + c.tenant + ".example"})
		srv.AddJob(greenhouse.Job{ID: c.jobID, Name: "Engineer at " + c.tenant})
		c.srv = srv
		prefix := "ONEWAY_SANDBOX_" + strings.ToUpper(c.tenant) + "_GREENHOUSE_"
		t.Setenv(prefix+"URL", srv.URL())
		t.Setenv(prefix+"TOKEN", c.token)
		out[c.tenant] = &c
	}
	return out
}

// emails lists the candidates' e-mails in a client's Greenhouse, each with the job ids it applied to.
func (c *clientATS) emails() []string {
	var out []string
	for _, cand := range c.srv.Candidates() {
		var jobs []string
		for _, a := range c.srv.Applications() {
			if a.CandidateID == cand.ID {
				jobs = append(jobs, fmt.Sprint(a.JobID))
			}
		}
		for _, e := range cand.EmailAddresses {
			out = append(out, strings.ToLower(e.Value)+" -> "+strings.Join(jobs, ","))
		}
	}
	slices.Sort(out)
	return out
}

// Approved candidates reach their own client's Greenhouse only; each tenant has its own credentials,
// ledger and status; a tenant with a wrong token fails alone, and catches up once its token is fixed.
func TestApprovedToClientATS(t *testing.T) {
	db := newProductDB(t)
	clients := startClients(t)
	acme, globex := clients["acme"], clients["globex"]
	t.Setenv("ONEWAY_SANDBOX_GLOBEX_GREENHOUSE_TOKEN", "wrong-globex-key")
	sc := newScenario(t, "approved-to-client-ats")
	const (
		acmeSync, acmeTarget     = "approved-to-client-ats@acme", "client_ats@acme/candidates"
		globexSync, globexTarget = "approved-to-client-ats@globex", "client_ats@globex/candidates"
	)

	rep := sc.run()
	if len(rep.Results) != 2 {
		t.Fatalf("%d results, want one per tenant: %s", len(rep.Results), dump(rep))
	}
	a, g := rep.Results[0], rep.Results[1]
	if a.Sync != acmeSync || a.Tenant != "acme" || a.Status != engine.StatusOK || countsOf(a) != (counts{Create: 1}) {
		t.Errorf("acme, whose token is right: %s", dump(a))
	}
	if g.Sync != globexSync || (g.Status == engine.StatusOK && g.Failed == 0) || g.Create != 0 {
		t.Errorf("globex, whose token is wrong, did not fail: %s", dump(g))
	}
	if out := dump(rep); strings.Contains(out, "wrong-globex-key") || strings.Contains(out, acme.token) {
		t.Errorf("a token appears in the report: %s", out)
	}
	if got, want := acme.emails(), []string{"maya.patel@example.org -> 4201"}; !slices.Equal(got, want) {
		t.Errorf("acme's Greenhouse: %v, want %v", got, want)
	}
	if got := globex.emails(); len(got) != 0 {
		t.Errorf("globex's Greenhouse, with a wrong token: %v", got)
	}
	for _, r := range acme.srv.Journal.Requests() {
		if r.Method == http.MethodPost && r.Header.Get("On-Behalf-Of") != "4101" {
			t.Errorf("a write to acme's Greenhouse on behalf of %q, want acme's user 4101", r.Header.Get("On-Behalf-Of"))
		}
	}
	requireScope(t, sc, acmeSync, acmeTarget, 1, 0, 1)
	for _, r := range requireScope(t, sc, globexSync, globexTarget, 0, 2, 1) {
		if !strings.Contains(r.Reason, "401") || strings.Contains(r.Reason, "wrong-globex-key") {
			t.Errorf("globex's rejected record %s: %q, want the 401 without the token", r.Key, r.Reason)
		}
	}

	// globex's token is fixed: globex catches up; acme, already done, writes nothing.
	t.Setenv("ONEWAY_SANDBOX_GLOBEX_GREENHOUSE_TOKEN", globex.token)
	requireCounts(t, sc.run(), counts{}, counts{Create: 2})
	if got, want := globex.emails(), []string{"lucas.meyer@example.org -> 5201", "sofia.rossi@example.org -> 5201"}; !slices.Equal(got, want) {
		t.Errorf("globex's Greenhouse: %v, want %v", got, want)
	}
	requireScope(t, sc, acmeSync, acmeTarget, 1, 0, 2)
	requireScope(t, sc, globexSync, globexTarget, 2, 0, 2)

	// A candidate is approved for acme: only acme's Greenhouse gets it. initech is no tenant: never sent.
	db.exec(t, `UPDATE candidates SET status = 'approved', updated_at = now() WHERE email = 'omar.farouk@example.org'`)
	rep = sc.run()
	if c := countsOf(rep.Results[0]); c.Create != 1 || c.Failed != 0 {
		t.Errorf("acme after an approval: %s", dump(rep.Results[0]))
	}
	if c := countsOf(rep.Results[1]); c.Create+c.Update+c.Delete+c.Failed != 0 {
		t.Errorf("globex after acme's approval: %s", dump(rep.Results[1]))
	}
	if got, want := acme.emails(), []string{"maya.patel@example.org -> 4201", "omar.farouk@example.org -> 4201"}; !slices.Equal(got, want) {
		t.Errorf("acme's Greenhouse: %v, want %v", got, want)
	}
	for _, c := range clients {
		for _, e := range c.emails() {
			if strings.HasPrefix(e, "peter.gibbons") || strings.HasPrefix(e, "chen.li") {
				t.Errorf("%s's Greenhouse holds %s, who is not an approved candidate of %s", c.tenant, e, c.tenant)
			}
		}
	}

	// The state is lost: match finds the candidates by e-mail and adopts them; nothing is created twice.
	sc.loseLedger()
	requireCounts(t, sc.run(), counts{Create: 2}, counts{Create: 2})
	for _, c := range clients {
		if n, posts := len(c.srv.Candidates()), c.srv.Journal.Count(http.MethodPost, "/v1/candidates"); n != 2 || posts != 2 {
			t.Errorf("%s's Greenhouse holds %d candidates (%d created in all) after the ledger was lost, want still 2 (2)", c.tenant, n, posts)
		}
	}
}

// requireScope checks a tenant's own ledger: its live records, its rejected records (kept to be retried)
// and the number of its runs.
func requireScope(t *testing.T, sc *scenario, sync, target string, live, rejected, runs int) []ledger.Rejected {
	t.Helper()
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, sc.state, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scope := ledger.Scope{Sync: sync, Target: target}
	n, err := st.CountLive(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	rej, err := st.Rejects(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := st.Runs(ctx, scope, 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != live || len(rej) != rejected || len(rs) != runs {
		t.Errorf("%s -> %s: %d live records, %d rejected, %d runs; want %d, %d, %d", sync, target, n, len(rej), len(rs), live, rejected, runs)
	}
	return rej
}

// productDB is the product's database of scenario 3: a schema of its own on the test server, seeded with
// the example's seed.sql, and dropped at the end.
type productDB struct {
	conn   *pgx.Conn
	schema string
}

func newProductDB(t *testing.T) *productDB {
	t.Helper()
	dsn := testservice.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := &productDB{conn: conn, schema: "oneway_scenario_" + hex.EncodeToString(b[:])}
	seed, err := os.ReadFile(filepath.Join(examplesDir, "approved-to-client-ats", "seed.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db.exec(t, "CREATE SCHEMA "+db.schema)
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+db.schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", db.schema, err)
		}
	})
	db.exec(t, "SET search_path TO "+db.schema, string(seed))
	t.Setenv("ONEWAY_SANDBOX_PRODUCT_DSN", dsn)
	t.Setenv("ONEWAY_SANDBOX_PRODUCT_SCHEMA", db.schema)
	return db
}

func (db *productDB) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
