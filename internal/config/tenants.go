package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Multi-tenant templates. A top-level `tenants:` (a list, or the path of a YAML file holding one) names
// tenants and their fields. A connection whose settings refer to ${tenant:FIELD} is a template: it
// becomes one connection per tenant, named CONNECTION@TENANT. A sync with `tenants: all` (or a list of
// tenant names) becomes one sync per tenant, named SYNC@TENANT, whose connections are the tenant's
// instances, with the tenant's fields bound as `tenant` in its expressions. Each instance has its own
// ledger, lock and status, so one tenant failing does not touch the others.
//
// The expansion happens on the YAML tree before the usual checks, so every error still points at the
// line that caused it.

// tenant is one entry of `tenants:`.
type tenant struct {
	name string
	pos  Pos
	raw  map[string]string // field -> text as written (secret references unresolved), for ${tenant:..}
	node *node
}

const tenantRef = "${tenant:"

// tenants reads the `tenants:` entry: an inline list or a file path relative to the configuration.
func (l *loader) tenants(e *entry, dir string) []*tenant {
	if !present(e) {
		return nil
	}
	list := e.value
	if list.kind == scalarNode {
		rel, _ := list.value.(string)
		path := rel
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, rel)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			l.errorf(list.pos, "tenants", "cannot read the tenants file: %v", err)
			return nil
		}
		root, perr := parseTree(rel, data)
		if perr != nil {
			l.errs = append(l.errs, perr)
			return nil
		}
		if root == nil {
			l.errorf(list.pos, "tenants", "the tenants file %s is empty", rel)
			return nil
		}
		list = root
	}
	if list.kind != seqNode {
		l.errorf(list.pos, "tenants", "must be a list of tenants (each with a name), or the path of a YAML file holding one, not %s", list.describe())
		return nil
	}
	var out []*tenant
	seen := map[string]Pos{}
	for i, item := range list.items {
		path := index("tenants", i)
		if item.kind != mapNode {
			l.errorf(item.pos, path, "must be a mapping with a name and the tenant's fields, not %s", item.describe())
			continue
		}
		t := &tenant{pos: item.pos, raw: map[string]string{}, node: item}
		for _, fe := range item.entries {
			if fe.value.kind != scalarNode {
				l.errorf(fe.value.pos, join(path, fe.key), "tenant fields must be plain values (text, numbers, true/false), not %s", fe.value.describe())
				continue
			}
			t.raw[fe.key] = fmt.Sprint(fe.value.value)
		}
		name, ok := t.raw["name"]
		if !ok || name == "" {
			l.errorf(item.pos, join(path, "name"), "is required (a short name: lowercase letters, digits, _ and -)")
			continue
		}
		if !l.checkName(name, item.get("name").value.pos, join(path, "name"), "tenant") {
			continue
		}
		if prev, dup := seen[name]; dup {
			l.errorf(item.get("name").value.pos, join(path, "name"), "tenant %q is already listed at line %d", name, prev.Line)
			continue
		}
		seen[name] = item.pos
		t.name = name
		out = append(out, t)
	}
	return out
}

// fields resolves a tenant's fields for expressions (secret references resolved).
func (l *loader) tenantFields(t *tenant) map[string]any {
	out := make(map[string]any, len(t.node.entries))
	for _, fe := range t.node.entries {
		out[fe.key] = l.plain(fe.value, join("tenants."+t.name, fe.key), true)
	}
	return out
}

// expandTenants rewrites the connections and syncs of root for the tenants, and returns which tenant each
// expanded sync belongs to.
func (l *loader) expandTenants(root *node, tenants []*tenant) map[string]*tenant {
	conns := root.get("connections")
	syncs := root.get("syncs")
	templates := map[string]bool{}
	if present(conns) && conns.value.kind == mapNode {
		var entries []*entry
		for _, ce := range conns.value.entries {
			if !mentionsTenant(ce.value) {
				entries = append(entries, ce)
				continue
			}
			templates[ce.key] = true
			if len(tenants) == 0 {
				l.errorf(ce.keyPos, "connections."+ce.key, "refers to ${tenant:...} but the configuration lists no tenants")
				continue
			}
			for _, t := range tenants {
				inst := &entry{key: ce.key + "@" + t.name, keyPos: ce.keyPos, value: l.substitute(ce.value, t, "connections."+ce.key)}
				entries = append(entries, inst)
			}
		}
		conns.value.entries = entries
	}
	owners := map[string]*tenant{}
	if !present(syncs) || syncs.value.kind != seqNode {
		return owners
	}
	var items []*node
	for i, sn := range syncs.value.items {
		te := sn.get("tenants")
		if sn.kind != mapNode || te == nil {
			items = append(items, sn)
			continue
		}
		path := index("syncs", i) + ".tenants"
		for _, t := range l.chosenTenants(te, path, tenants) {
			inst := l.substitute(sn, t, index("syncs", i))
			var kept []*entry
			for _, e := range inst.entries {
				switch e.key {
				case "tenants":
					continue
				case "name":
					if name, ok := e.value.value.(string); ok {
						e.value.value = name + "@" + t.name
						owners[name+"@"+t.name] = t
					}
				case "source", "targets":
					renameConnections(e.value, templates, t.name)
				}
				kept = append(kept, e)
			}
			inst.entries = kept
			items = append(items, inst)
		}
	}
	syncs.value.items = items
	return owners
}

// chosenTenants reads a sync's `tenants:`: all, or a list of tenant names.
func (l *loader) chosenTenants(e *entry, path string, tenants []*tenant) []*tenant {
	if e.value.kind == scalarNode && e.value.value == "all" {
		if len(tenants) == 0 {
			l.errorf(e.value.pos, path, "says all, but the configuration lists no tenants")
		}
		return tenants
	}
	if e.value.kind != seqNode {
		l.errorf(e.value.pos, path, "must be all or a list of tenant names, not %s", e.value.describe())
		return nil
	}
	byName := map[string]*tenant{}
	for _, t := range tenants {
		byName[t.name] = t
	}
	var out []*tenant
	for i, item := range e.value.items {
		name, _ := item.value.(string)
		t, ok := byName[name]
		if !ok {
			l.errorf(item.pos, index(path, i), "unknown tenant %q", name)
			continue
		}
		out = append(out, t)
	}
	return out
}

func mentionsTenant(n *node) bool {
	switch n.kind {
	case mapNode:
		for _, e := range n.entries {
			if mentionsTenant(e.value) {
				return true
			}
		}
	case seqNode:
		for _, item := range n.items {
			if mentionsTenant(item) {
				return true
			}
		}
	case scalarNode:
		s, ok := n.value.(string)
		return ok && strings.Contains(s, tenantRef)
	}
	return false
}

// substitute returns a deep copy of n with ${tenant:FIELD} replaced by the tenant's field as written,
// so that secret references in a tenant's fields resolve like any other. Expressions (filter and map)
// are copied as they are: they see the tenant as `tenant`.
func (l *loader) substitute(n *node, t *tenant, path string) *node {
	c := *n
	switch n.kind {
	case mapNode:
		c.entries = make([]*entry, len(n.entries))
		for i, e := range n.entries {
			var v *node
			if e.key != "filter" && e.key != "map" {
				v = l.substitute(e.value, t, join(path, e.key))
			} else {
				v = clone(e.value)
			}
			c.entries[i] = &entry{key: e.key, keyPos: e.keyPos, value: v}
		}
	case seqNode:
		c.items = make([]*node, len(n.items))
		for i, item := range n.items {
			c.items[i] = l.substitute(item, t, index(path, i))
		}
	case scalarNode:
		s, ok := n.value.(string)
		if !ok || !strings.Contains(s, tenantRef) {
			break
		}
		var b strings.Builder
		for {
			i := strings.Index(s, tenantRef)
			if i < 0 {
				b.WriteString(s)
				break
			}
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				l.errorf(n.pos, path, "a ${tenant: has no closing }")
				break
			}
			field := s[i+len(tenantRef) : i+end]
			v, ok := t.raw[field]
			if !ok {
				l.errorf(n.pos, path, "tenant %q has no field %q", t.name, field)
			}
			b.WriteString(s[:i])
			b.WriteString(v)
			s = s[i+end+1:]
		}
		c.value = b.String()
	}
	return &c
}

func clone(n *node) *node {
	c := *n
	if n.kind == mapNode {
		c.entries = make([]*entry, len(n.entries))
		for i, e := range n.entries {
			c.entries[i] = &entry{key: e.key, keyPos: e.keyPos, value: clone(e.value)}
		}
	}
	if n.kind == seqNode {
		c.items = make([]*node, len(n.items))
		for i, item := range n.items {
			c.items[i] = clone(item)
		}
	}
	return &c
}

// renameConnections points `connection:` values at the tenant's instances of template connections.
func renameConnections(n *node, templates map[string]bool, tenantName string) {
	switch n.kind {
	case mapNode:
		for _, e := range n.entries {
			if e.key == "connection" && e.value.kind == scalarNode {
				if name, ok := e.value.value.(string); ok && templates[name] {
					e.value.value = name + "@" + tenantName
				}
				continue
			}
			renameConnections(e.value, templates, tenantName)
		}
	case seqNode:
		for _, item := range n.items {
			renameConnections(item, templates, tenantName)
		}
	}
}
