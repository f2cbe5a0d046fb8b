package engine_test

import (
	"testing"

	"github.com/onewaysync/oneway/internal/config"
)

// Each tenant's instance of a sync has its own ledger: one tenant failing does not stop or disturb another.
func TestTenantInstancesAreIsolated(t *testing.T) {
	h := newHarness(t)
	acme := h.sync
	acme.Name, acme.Template, acme.Tenant = "people-sync@acme", "people-sync", "acme"
	acme.TenantFields = map[string]any{"name": "acme", "code": "A"}
	acme.Filter = mustFilter(t, `record.status == tenant.name`)
	acme.Map = mustMap(t, map[string]string{"id": "record.id", "name": "record.name", "tenant_code": "tenant.code"})
	acme.Targets[0].Stream = "acme_out"
	globex := *acme
	globex.Name, globex.Tenant = "people-sync@globex", "globex"
	globex.TenantFields = map[string]any{"name": "globex", "code": "G"}
	globex.Filter = mustFilter(t, `record.status == tenant.name`)
	gt := *acme.Targets[0]
	gt.Stream = "globex_out"
	globex.Targets = []*config.Target{&gt}
	h.spec.Syncs = []*config.Sync{acme, &globex}

	h.put(person(1, "a", "acme"), person(2, "b", "globex"), person(3, "c", "acme"))
	h.mem.FailBatchAfter("globex_out", 0, errFake)
	rep := h.execute(optsApply)
	if rep.Results[0].Tenant != "acme" || rep.Results[0].Create != 2 || rep.Results[1].Status != "failed" {
		t.Fatalf("results = %+v %+v", rep.Results[0], rep.Results[1])
	}
	for _, r := range h.mem.Records("acme_out") {
		if r["tenant_code"] != "A" {
			t.Fatalf("acme record %v lacks its tenant's code", r)
		}
	}
	h.mem.FailBatchAfter("globex_out", 0, nil)
	rep = h.execute(optsApply)
	wantCounts(t, rep.Results[0], counts{unchanged: 2})
	wantCounts(t, rep.Results[1], counts{create: 1})
}
