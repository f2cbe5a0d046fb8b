package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTenantsExpandSyncsAndConnections(t *testing.T) {
	t.Setenv("ACME_TOKEN", "acme-secret-1")
	t.Setenv("GLOBEX_TOKEN", "globex-secret-2")
	spec := mustLoad(t, `
		tenants:
		  - {name: acme, token: "${env:ACME_TOKEN}", company: Acme Corp}
		  - {name: globex, token: "${env:GLOBEX_TOKEN}", company: Globex}
		connections:
		  product: {kind: fake}
		  client_ats: {kind: fake, token: "${tenant:token}", dsn: "ats-${tenant:name}"}
		syncs:
		  - name: approved
		    tenants: all
		    source: {connection: product, stream: candidates, key: [id]}
		    filter: record.client == tenant.name
		    targets:
		      - {connection: client_ats, stream: candidates, key: [id]}
		  - name: plain
		    source: {connection: product, stream: t, key: [id]}
		    targets: [{connection: product, stream: u, key: [id]}]
	`)
	var names []string
	for _, s := range spec.Syncs {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"approved@acme", "approved@globex", "plain"}, names); diff != "" {
		t.Fatalf("syncs (-want +got):\n%s", diff)
	}
	acme := spec.Syncs[0]
	if acme.Template != "approved" || acme.Tenant != "acme" || acme.TenantFields["company"] != "Acme Corp" || acme.TenantFields["token"] != "acme-secret-1" {
		t.Fatalf("acme instance = %+v", acme)
	}
	if got := acme.Targets[0].Connection; got != "client_ats@acme" {
		t.Fatalf("acme target connection = %q", got)
	}
	if got := spec.Syncs[0].Source.Connection; got != "product" {
		t.Fatalf("shared source connection = %q", got)
	}
	c := spec.Connections["client_ats@globex"]
	if c == nil || c.Settings["token"] != "globex-secret-2" || c.Settings["dsn"] != "ats-globex" {
		t.Fatalf("globex connection = %+v", c)
	}
	if _, ok := spec.Connections["client_ats"]; ok {
		t.Fatal("the template connection itself is kept")
	}
	if red := spec.Redact("token globex-secret-2"); strings.Contains(red, "globex-secret-2") {
		t.Fatalf("tenant secret not redacted: %s", red)
	}
	sel, err := spec.Select([]string{"approved"})
	if err != nil || len(sel) != 2 {
		t.Fatalf("Select(template) = %d syncs, %v", len(sel), err)
	}
	sel, err = spec.Select([]string{"approved@globex"})
	if err != nil || len(sel) != 1 || sel[0].Tenant != "globex" {
		t.Fatalf("Select(instance) = %v, %v", sel, err)
	}
}

func TestTenantsFromFileAndErrors(t *testing.T) {
	path := writeConfig(t, `
		tenants: ./tenants.yaml
		connections:
		  src: {kind: fake}
		  dst: {kind: fake, dsn: "${tenant:db}"}
		syncs:
		  - name: s
		    tenants: [acme, initech]
		    source: {connection: src, stream: a, key: [id]}
		    targets: [{connection: dst, stream: b, key: [id]}]
	`)
	tenants := "- name: acme\n  db: acme-db\n- name: globex\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "tenants.yaml"), []byte(tenants), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, _ := testRegistry()
	_, err := Load(path, reg)
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`oneway.yaml:7:21: syncs[0].tenants[1]: unknown tenant "initech"`,
		`tenant "globex" has no field "db"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}
