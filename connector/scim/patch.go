package scim

import (
	"sort"

	"github.com/onewaysync/oneway/connector"
)

// serverAssigned are attributes the service provider assigns (RFC 7643 section 3.1): a mapped value for
// them is never sent.
var serverAssigned = map[string]bool{"id": true, "meta": true}

// createBody returns the body of a POST: the record without server-assigned attributes, with "schemas"
// added when the record has none (the core schema, then the URN of every extension object present).
func createBody(rt resourceType, rec connector.Record) map[string]any {
	body := make(map[string]any, len(rec)+1)
	for k, v := range rec {
		if !serverAssigned[k] {
			body[k] = v
		}
	}
	if _, ok := body["schemas"]; !ok {
		body["schemas"] = schemasOf(rt, rec)
	}
	return body
}

// schemasOf lists the core schema and the extension URNs whose objects rec holds.
func schemasOf(rt resourceType, rec map[string]any) []any {
	var exts []string
	for k, v := range rec {
		if _, isMap := v.(map[string]any); isMap && isURN(k) {
			exts = append(exts, k)
		}
	}
	sort.Strings(exts)
	out := []any{rt.schema}
	for _, e := range exts {
		out = append(out, e)
	}
	return out
}

// patchOp is one operation of a PatchOp request (RFC 7644 section 3.5.2).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// patchOps turns a record into PATCH operations that set exactly its attributes, leaving every other
// attribute of the resource as it is (the Update contract):
//
//   - a value becomes "replace" at its path; a complex value replaces only the sub-attributes it holds
//     (RFC 7644 section 3.5.2.3), and a multi-valued one replaces the whole list;
//   - null, and an empty list, become "remove" (unassigned; RFC 7643 section 2.5);
//   - an extension object (a key that is a schema URN) becomes one operation per attribute, addressed as
//     "urn:...:attribute", the way Entra and Okta address enterprise attributes.
//
// Operations come in the order of the sorted attribute names, so a request is the same every time.
func patchOps(rec connector.Record) []patchOp {
	var ops []patchOp
	for _, name := range rec.Fields() {
		if serverAssigned[name] || name == "schemas" {
			continue
		}
		v := rec[name]
		if ext, isMap := v.(map[string]any); isMap && isURN(name) {
			for _, sub := range sortedKeys(ext) {
				ops = appendOps(ops, name+":"+sub, ext[sub])
			}
			continue
		}
		ops = appendOps(ops, name, v)
	}
	return ops
}

func appendOps(ops []patchOp, path string, v any) []patchOp {
	if unassigned(v) {
		return append(ops, patchOp{Op: "remove", Path: path})
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return append(ops, patchOp{Op: "replace", Path: path, Value: v})
	}
	set := make(map[string]any, len(m))
	var removes []patchOp
	for _, sub := range sortedKeys(m) {
		if unassigned(m[sub]) {
			removes = append(removes, patchOp{Op: "remove", Path: path + "." + sub})
		} else {
			set[sub] = m[sub]
		}
	}
	if len(set) > 0 {
		ops = append(ops, patchOp{Op: "replace", Path: path, Value: set})
	}
	return append(ops, removes...)
}

// unassigned reports whether v leaves an attribute without a value: null or an empty list.
func unassigned(v any) bool {
	if v == nil {
		return true
	}
	list, isList := v.([]any)
	return isList && len(list) == 0
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// merged returns the body of a PUT that sets rec's attributes on current with the same meaning as
// patchOps: for servers without PATCH, whose PUT replaces the whole resource (RFC 7644 section 3.5.1).
// Names match without regard to case, as SCIM attribute names do.
func merged(rt resourceType, current map[string]any, rec connector.Record) map[string]any {
	out := make(map[string]any, len(current)+len(rec))
	for k, v := range current {
		if k != "meta" {
			out[k] = v
		}
	}
	for _, name := range rec.Fields() {
		v := rec[name]
		switch {
		case serverAssigned[name]:
		case name == "schemas":
			if v != nil {
				out["schemas"] = v
			}
		case isURN(name):
			ext, isMap := v.(map[string]any)
			if !isMap {
				setFold(out, name, v)
				continue
			}
			cur, _ := lookupFold(out, name)
			curMap, _ := cur.(map[string]any)
			setFold(out, name, mergeMap(curMap, ext, true))
			addSchema(out, name)
		default:
			setFold(out, name, mergeValue(lookupFoldValue(out, name), v))
		}
	}
	if _, ok := out["schemas"]; !ok {
		out["schemas"] = schemasOf(rt, out)
	}
	return out
}

func lookupFoldValue(m map[string]any, key string) any {
	v, _ := lookupFold(m, key)
	return v
}

// mergeValue is the value of an attribute after setting v on cur: a complex value sets its
// sub-attributes; anything else replaces.
func mergeValue(cur, v any) any {
	m, isMap := v.(map[string]any)
	if !isMap {
		return v
	}
	curMap, _ := cur.(map[string]any)
	return mergeMap(curMap, m, false)
}

// mergeMap sets set's entries on a copy of cur; unassigned values remove. Nested objects merge when deep
// (an extension's complex attributes, such as manager).
func mergeMap(cur, set map[string]any, deep bool) map[string]any {
	out := make(map[string]any, len(cur)+len(set))
	for k, v := range cur {
		out[k] = v
	}
	for _, k := range sortedKeys(set) {
		v := set[k]
		if deep {
			v = mergeValue(lookupFoldValue(out, k), v)
		}
		setFold(out, k, v)
	}
	return out
}

// setFold sets key in m, replacing a key that differs only in case; an unassigned value deletes it.
func setFold(m map[string]any, key string, v any) {
	for {
		k, ok := keyFold(m, key)
		if !ok {
			break
		}
		delete(m, k)
	}
	if !unassigned(v) {
		m[key] = v
	}
}

// addSchema lists an extension URN in the body's schemas when it is missing.
func addSchema(body map[string]any, urn string) {
	list, _ := body["schemas"].([]any)
	for _, s := range list {
		if str, ok := s.(string); ok && str == urn {
			return
		}
	}
	if list == nil {
		return // schemasOf fills it in
	}
	body["schemas"] = append(append([]any(nil), list...), urn)
}
