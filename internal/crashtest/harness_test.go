package crashtest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// fixture is a source and a target synced by one configuration, for the harnesses below.
type fixture interface {
	oneway() *runner
	// mutate makes n changes to the source at random: updates, deletes and inserts.
	mutate(rng *rand.Rand, n int)
	// compare compares the target with the source.
	compare() Diff
}

// testRandomKills kills `oneway run` with SIGKILL at random moments, changes the source between runs,
// and checks that once a run completes the target is an exact copy and a further run has nothing to do.
func testRandomKills(t *testing.T, newFixture func(t *testing.T, rows int) fixture) {
	if testing.Short() {
		t.Skip("the crash harness runs the real binary many times")
	}
	// The random-kill harnesses spend most of their time waiting for a kill or a run: run them side by
	// side. Each times its own complete run under the same load, so kills stay spread over whole runs.
	t.Parallel()
	rows := envInt("ONEWAY_CRASH_ROWS", 200_000)
	kills := envInt("ONEWAY_CRASH_KILLS", 30)
	s := seed(t)
	t.Logf("%d rows, %d kills", rows, kills)
	rng := rand.New(rand.NewPCG(s, s))
	f := newFixture(t, rows)

	// Time one complete first run on a copy, to spread the kills over a whole run.
	full := newFixture(t, rows).oneway().timeRun()
	t.Logf("a complete first run takes %v", full.Round(10*time.Millisecond))

	r := f.oneway()
	finished := r.killRandomly(rng, full, kills, func() { f.mutate(rng, rng.IntN(rows/100+1)) })
	r.run()
	d := f.compare()
	t.Logf("%d kills, %d runs finished before their kill: %v", kills, finished, d)
	if !d.Zero() {
		t.Fatalf("the target is not an exact copy (seed %d): %v", s, d)
	}
	r.runIdle()
}

// testNamedFailpoints kills the first run at each named point (creates), changes the source, kills the
// next run at the point's first hit (updates, deletes, creates), changes the source again, and checks that
// the run after converges.
func testNamedFailpoints(t *testing.T, newFixture func(t *testing.T, rows int) fixture) {
	rows := envInt("ONEWAY_CRASH_FAILPOINT_ROWS", 20_000)
	for _, point := range []string{"after-read", "after-target-write:3", "after-ledger-commit:3"} {
		t.Run(point, func(t *testing.T) {
			f := newFixture(t, rows)
			r := f.oneway()
			rng := rand.New(rand.NewPCG(1, 2))
			r.killAt(point)
			f.mutate(rng, rows/100) // enough changes for the next run to reach every point
			r.killAt(strings.Split(point, ":")[0])
			f.mutate(rng, rows/100)
			r.run()
			if d := f.compare(); !d.Zero() {
				t.Fatalf("after a kill at %s: %v", point, d)
			}
			r.runIdle()
		})
	}
}
