package faulttest

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// TestTargetDown takes the target away, first before a run and then in the middle of one, and checks
// through the state (opened read-only) that the ledger and the cursor do not move ahead of the target;
// once the target is back, the next run converges.
func TestTargetDown(t *testing.T) {
	noLeaks(t)
	rows := envInt("ONEWAY_FAULT_ROWS", 5_000)
	f := newFixture(t, rows, true)
	if r := f.run(nil); r.Status != engine.StatusOK {
		t.Fatalf("first run: %s: %s", r.Status, r.Error)
	}
	maxKey := func() int64 { return f.db.Int(t, "SELECT max(id) FROM source_items") }
	before := f.state(maxKey())
	if before.cursor == nil || before.live != rows {
		t.Fatalf("after the first run the state has cursor %s and %d live entries, want a cursor and %d", before.cursor, before.live, rows)
	}
	// Enough changes for several batches, so that an outage after the first finds more to come.
	f.db.MutateItems(t, rand.New(rand.NewPCG(3, 4)), "source_items", rows/4, false)

	t.Run("down before the run", func(t *testing.T) {
		f.proxy.down()
		defer f.proxy.up()
		r := f.run(nil)
		t.Logf("run against a target that is down: %s: %s", r.Status, r.Error)
		if r.Status != engine.StatusFailed {
			t.Fatalf("status %s, want failed", r.Status)
		}
		after := f.state(maxKey())
		if !bytes.Equal(after.cursor, before.cursor) {
			t.Errorf("the cursor moved from %s to %s", before.cursor, after.cursor)
		}
		if after.live != before.live || !maps.Equal(after.hashes, before.hashes) {
			t.Errorf("the ledger moved: %d live entries, was %d", after.live, before.live)
		}
		if len(after.runs) == 0 || after.runs[0].Status != ledger.RunFailed {
			t.Errorf("the failed run is not recorded as failed: %+v", after.runs)
		}
	})

	t.Run("down in the middle of a run", func(t *testing.T) {
		// With the cap a batch takes a quarter of a second, so the outage finds batches to come.
		f.proxy.add(bandwidthUp)
		defer f.proxy.heal()
		mid := &midRun{delay: 50 * time.Millisecond, start: f.proxy.down}
		retried := f.retries()
		r := f.run(mid)
		mid.wait()
		f.proxy.up()
		t.Logf("run whose target went down after its first batch: %s, %d updates and creates done: %s",
			r.Status, r.Create+r.Update, r.Error)
		if r.Status != engine.StatusFailed {
			t.Fatalf("status %s, want failed", r.Status)
		}
		if f.retries() == retried {
			t.Errorf("the lost connection was not retried")
		}
		after := f.state(maxKey())
		if !bytes.Equal(after.cursor, before.cursor) {
			t.Errorf("the cursor moved from %s to %s although the run failed", before.cursor, after.cursor)
		}
		// Every entry the run moved must be in the target as the source has it: nothing is marked done
		// before the target acknowledged it.
		source, target := f.db.ItemsDigest(t, "source_items"), f.db.ItemsDigest(t, "items")
		moved := 0
		for key, hash := range after.hashes {
			if before.hashes[key] == hash {
				continue
			}
			moved++
			id := key[1 : len(key)-1] // the ledger key of id 123 is [123]
			if got, want := target[id], source[id]; len(got) != 1 || got[0] != want[0] {
				t.Errorf("the ledger holds %s as written, but the target has %v and the source %v", key, got, want)
			}
		}
		t.Logf("%d ledger entries moved, each in the target", moved)
		if moved == 0 {
			t.Errorf("no batch was acknowledged before the outage: the check above proved nothing")
		}
	})

	t.Run("back", func(t *testing.T) {
		f.converge()
		after := f.state(maxKey())
		var version, id int64
		if err := f.db.Conn.QueryRow(t.Context(), "SELECT version, id FROM source_items ORDER BY version DESC, id DESC LIMIT 1").Scan(&version, &id); err != nil {
			t.Fatal(err)
		}
		pos, err := connector.UnmarshalTyped(after.cursor)
		if err != nil {
			t.Fatal(err)
		}
		if list, ok := pos.([]any); !ok || len(list) != 2 || list[0] != version || list[1] != id {
			t.Errorf("cursor %s after convergence, want [%d %d] (the newest version)", after.cursor, version, id)
		}
	})
}
