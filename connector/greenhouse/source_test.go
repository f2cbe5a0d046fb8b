package greenhouse

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
)

func seedCandidates(srv *gh.Server, n int, updated func(i int) time.Time) []gh.Candidate {
	out := make([]gh.Candidate, n)
	for i := range n {
		out[i] = srv.AddCandidate(gh.Candidate{
			FirstName: fmt.Sprintf("First%d", i), LastName: "Last",
			EmailAddresses: []gh.TypedValue{{Value: fmt.Sprintf("c%d@example.com", i), Type: "personal"}},
			CreatedAt:      updated(i), UpdatedAt: updated(i),
		})
	}
	return out
}

// Every candidate of a three-page list is read once, in batches of the asked size, by following the
// Link header with per_page=500.
func TestReadCandidatesFollowsLinkPages(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	base := clk.Now().Add(-time.Hour)
	seeded := seedCandidates(srv, 1203, func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) })
	c := open(t, srv, clk, token)

	got := connectortest.Read(t, c, connector.ReadRequest{Stream: "candidates", Key: []string{"id"}, BatchSize: 400})
	if len(got) != len(seeded) {
		t.Fatalf("read %d candidates, want %d", len(got), len(seeded))
	}
	seen := map[int64]bool{}
	for _, rec := range got {
		id := rec["id"].(int64)
		if seen[id] {
			t.Fatalf("candidate %d read twice", id)
		}
		seen[id] = true
		if _, ok := rec["updated_at"].(time.Time); !ok {
			t.Fatalf("updated_at is %T, want time.Time", rec["updated_at"])
		}
	}
	want := seeded[1202]
	last := got[len(got)-1]
	if last["id"] != want.ID || last["first_name"] != want.FirstName || !last["updated_at"].(time.Time).Equal(want.UpdatedAt) {
		t.Errorf("last record = %v, want candidate %d (%s, updated %v)", last, want.ID, want.FirstName, want.UpdatedAt)
	}
	var pages []string
	for _, req := range srv.Journal.Requests() {
		if req.Path == "/v1/candidates" {
			pages = append(pages, req.RawQuery)
		}
	}
	if len(pages) != 3 {
		t.Fatalf("requests of /v1/candidates: %v, want 3 pages", pages)
	}
	for i, q := range pages {
		v, _ := url.ParseQuery(q)
		if v.Get("per_page") != "500" || (i > 0 && v.Get("page") != fmt.Sprint(i+1)) {
			t.Errorf("page %d query %q, want per_page=500 and page=%d", i+1, q, i+1)
		}
	}
}

// A cursor read sends updated_after and returns the candidates updated at or after From, in
// (updated_at, id) order, starting at the record of From itself.
func TestReadCursorCandidates(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	// Later ids get earlier times, and pairs share a time: the order is not the list's (id) order.
	seeded := seedCandidates(srv, 20, func(i int) time.Time { return base.Add(time.Duration((20-i)/2) * time.Minute) })
	c := open(t, srv, clk, token)

	from := base.Add(4 * time.Minute)
	var startID int64 // the larger id at from: the tuple (from, startID) excludes its pair
	for _, cand := range seeded {
		if cand.UpdatedAt.Equal(from) {
			startID = max(startID, cand.ID)
		}
	}
	got := connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "candidates", Key: []string{"id"}, BatchSize: 3},
		Cursor:      []string{"updated_at"}, From: []any{from, startID},
	})
	var want []int64
	for _, cand := range seeded {
		if cand.UpdatedAt.After(from) || (cand.UpdatedAt.Equal(from) && cand.ID >= startID) {
			want = append(want, cand.ID)
		}
	}
	slices.SortFunc(want, func(a, b int64) int {
		ca, cb := seeded[a-seeded[0].ID], seeded[b-seeded[0].ID]
		if c := ca.UpdatedAt.Compare(cb.UpdatedAt); c != 0 {
			return c
		}
		return int(a - b)
	})
	var ids []int64
	for _, rec := range got {
		ids = append(ids, rec["id"].(int64))
	}
	if !slices.Equal(ids, want) {
		t.Errorf("cursor read ids %v, want %v", ids, want)
	}
	reqs := srv.Journal.Requests()
	q, _ := url.ParseQuery(reqs[len(reqs)-1].RawQuery)
	if q.Get("updated_after") != "2026-02-01T00:04:00.000Z" {
		t.Errorf("updated_after = %q, want 2026-02-01T00:04:00.000Z", q.Get("updated_after"))
	}

	_, err := c.ReadCursor(t.Context(), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "candidates", Key: []string{"id"}},
		Cursor:      []string{"last_activity"},
	})
	if err == nil || !strings.Contains(err.Error(), "updated_at") {
		t.Errorf("cursor on a field Harvest cannot filter on: err = %v, want one naming updated_at", err)
	}
}

// Applications filter on last_activity_at through last_activity_after.
func TestReadCursorApplications(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	job := srv.AddJob(gh.Job{Name: "Engineer"})
	cands := seedCandidates(srv, 4, func(int) time.Time { return clk.Now() })
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for i, cand := range cands {
		if _, err := srv.AddApplication(gh.Application{CandidateID: cand.ID, JobID: job.ID, AppliedAt: base,
			LastActivityAt: base.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	c := open(t, srv, clk, token)
	got := connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "applications", Key: []string{"id"}},
		Cursor:      []string{"last_activity_at"}, From: []any{base.Add(2 * time.Hour)},
	})
	if len(got) != 2 || got[0]["candidate_id"] != cands[2].ID || got[1]["candidate_id"] != cands[3].ID {
		t.Errorf("applications since 02:00: %v, want those of candidates %d and %d", got, cands[2].ID, cands[3].ID)
	}
}

// An unknown stream is an error, not an empty read.
func TestUnknownStream(t *testing.T) {
	srv, clk := start(t, gh.Options{})
	c := open(t, srv, clk, token)
	if _, err := c.Read(t.Context(), connector.ReadRequest{Stream: "candidate"}); err == nil || !strings.Contains(err.Error(), "candidates") {
		t.Errorf("Read of stream candidate: err = %v, want one listing the streams", err)
	}
}
