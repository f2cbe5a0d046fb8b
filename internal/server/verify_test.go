package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/engine"
)

func TestVerify(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(6, "")
	f.runNow("s")
	clean := decode[verifyResponse](t, f.do("POST", "/api/syncs/s/verify", nil), http.StatusOK)
	if !clean.OK || len(clean.Results) != 1 || clean.Results[0].Status != engine.VerifyClean || clean.Results[0].Expected != 6 {
		t.Fatalf("verify of a synced target = %+v", clean.Results[0])
	}

	// Someone edits the target behind oneway's back.
	f.mem.Delete("staff", int64(2))
	f.mem.Put("staff", connector.Record{"id": int64(4), "name": "edited by hand"})
	differs := decode[verifyResponse](t, f.do("POST", "/api/syncs/s/verify", nil), http.StatusOK)
	r := differs.Results[0]
	if differs.OK || r.Status != engine.VerifyDiffers || r.Missing != 1 || r.Different != 1 {
		t.Fatalf("verify after edits = %+v", r)
	}
	if runs := f.ledgerRuns("s", "dst/staff"); len(runs) != 1 {
		t.Fatalf("verify without repair recorded a run: %d runs", len(runs))
	}
	page := body(t, f.do("POST", "/syncs/s/verify", nil))
	if !strings.Contains(page, `data-status="differs"`) || !strings.Contains(page, "edited by hand") {
		t.Fatalf("verify page:\n%s", page)
	}
	repaired := decode[verifyResponse](t, f.do("POST", "/api/syncs/s/verify?repair=true", nil), http.StatusOK)
	if !repaired.OK || repaired.Results[0].Status != engine.VerifyRepaired {
		t.Fatalf("repair = %+v", repaired.Results[0])
	}
	if again := decode[verifyResponse](t, f.do("POST", "/api/syncs/s/verify", nil), http.StatusOK); !again.OK || again.Results[0].Status != engine.VerifyClean {
		t.Fatalf("verify after repair = %+v", again.Results[0])
	}

	entered, release := blockApply(f)
	defer release()
	f.people(6, " changed")
	decode[runResponse](t, f.do("POST", "/api/syncs/s/run", nil), http.StatusAccepted)
	<-entered
	if resp := f.do("POST", "/api/syncs/s/verify", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("verify during a run: %d, want 409", resp.StatusCode)
	}
	release()
	if resp := f.do("POST", "/api/syncs/nope/verify", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("verify of an unknown sync: %d", resp.StatusCode)
	}
}
