package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector/httpclient"
)

// resourceType is a SCIM resource type the connector writes: a stream name maps to one.
type resourceType struct {
	name     string // the stream name, e.g. "Users"
	endpoint string // relative to the base URL, e.g. "/Users"
	schema   string // the core schema URN, added to "schemas" when a record has none
	// identity is the attribute a Create looks an existing resource up by when neither match nor a key
	// is given (RFC 7643: userName is unique for Users, displayName names a Group).
	identity string
}

const (
	userSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// patchSchema is the message schema of a PATCH request (RFC 7644 section 3.5.2).
	patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

var resourceTypes = map[string]resourceType{
	"Users":  {name: "Users", endpoint: "/Users", schema: userSchema, identity: "userName"},
	"Groups": {name: "Groups", endpoint: "/Groups", schema: groupSchema, identity: "displayName"},
}

// lookupResourceType returns the resource type of a stream, or an error listing the known ones.
func lookupResourceType(stream string) (resourceType, error) {
	rt, ok := resourceTypes[stream]
	if !ok {
		return resourceType{}, fmt.Errorf("unknown SCIM stream %q: want Users or Groups", stream)
	}
	return rt, nil
}

// attrPathRE is RFC 7644's attrPath (section 3.10): an optional schema URN, an attribute name and an
// optional sub-attribute. Only such paths go into filters and PATCH paths, so a field name can never
// inject filter syntax.
var attrPathRE = regexp.MustCompile(`^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z][A-Za-z0-9_$-]*(\.[A-Za-z][A-Za-z0-9_$-]*)?$`)

// checkAttrPaths returns an error naming the first field that is not an attribute path.
func checkAttrPaths(what string, fields []string) error {
	for _, f := range fields {
		if !attrPathRE.MatchString(f) {
			return fmt.Errorf("%s field %q is not a SCIM attribute path (such as userName, name.familyName or externalId)", what, f)
		}
	}
	return nil
}

// isURN reports whether an attribute name is a schema URN, the container of an extension's attributes
// (RFC 7643 section 3.3).
func isURN(name string) bool { return strings.HasPrefix(strings.ToLower(name), "urn:") }

// filterFor returns the filter `a eq v and b eq w` (RFC 7644 section 3.4.2.2). String values are JSON
// strings, so quotes and backslashes are escaped as the filter grammar's compValue requires.
func filterFor(fields []string, vals []any) (string, error) {
	if len(fields) != len(vals) || len(fields) == 0 {
		return "", fmt.Errorf("%d lookup fields for %d values", len(fields), len(vals))
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		if !attrPathRE.MatchString(f) {
			return "", fmt.Errorf("field %q is not a SCIM attribute path", f)
		}
		lit, err := filterLiteral(vals[i])
		if err != nil {
			return "", fmt.Errorf("field %q: %w", f, err)
		}
		parts[i] = f + " eq " + lit
	}
	return strings.Join(parts, " and "), nil
}

// filterLiteral is RFC 7644's compValue for v: false, true, a number or a JSON string.
func filterLiteral(v any) (string, error) {
	switch x := v.(type) {
	case string:
		b, err := httpclient.EncodeJSON(x)
		return string(b), err
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case time.Time:
		b, err := httpclient.EncodeJSON(x.UTC().Format(time.RFC3339Nano))
		return string(b), err
	}
	return "", fmt.Errorf("a %T value cannot be looked up by filter", v)
}

// resource is a SCIM resource as the server returned it.
type resource struct {
	ID   string
	ETag string // meta.version or the ETag header; "" when the server keeps none
	Body map[string]any
}

// parseResource takes the id and version out of a decoded resource.
func parseResource(body map[string]any, header map[string][]string) (*resource, error) {
	id, _ := body["id"].(string)
	if id == "" {
		if n, ok := body["id"].(json.Number); ok {
			id = n.String()
		}
	}
	if id == "" {
		return nil, fmt.Errorf("the server returned a resource without an id")
	}
	r := &resource{ID: id, Body: body}
	if meta, ok := body["meta"].(map[string]any); ok {
		r.ETag, _ = meta["version"].(string)
	}
	if r.ETag == "" && header != nil {
		if v := header["Etag"]; len(v) > 0 {
			r.ETag = v[0]
		}
	}
	return r, nil
}

// attrValue returns the value at an attribute path of a resource body, matching names without regard to
// case as SCIM does (RFC 7643 section 2.1).
func attrValue(body map[string]any, path string) (any, bool) {
	container := body
	if isURN(path) {
		i := strings.LastIndex(path, ":")
		ext, ok := lookupFold(body, path[:i])
		m, isMap := ext.(map[string]any)
		if !ok || !isMap {
			return nil, false
		}
		container, path = m, path[i+1:]
	}
	name, sub, hasSub := strings.Cut(path, ".")
	v, ok := lookupFold(container, name)
	if !ok || !hasSub {
		return v, ok
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	return lookupFold(m, sub)
}

// lookupFold finds a key without regard to case, preferring an exact match.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	if k, ok := keyFold(m, key); ok {
		return m[k], true
	}
	return nil, false
}

// keyFold returns the key of m equal to key without regard to case (the smallest, for determinism).
func keyFold(m map[string]any, key string) (string, bool) {
	var found []string
	for k := range m {
		if strings.EqualFold(k, key) {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return "", false
	}
	sort.Strings(found)
	return found[0], true
}

// sameValue reports whether a value read from the server equals a looked-up value. Strings compare
// without regard to case: userName is caseExact=false (RFC 7643 section 4.1.1), and a case-exact server
// would not have returned a different case for an eq filter anyway.
func sameValue(got, want any) bool {
	got = canonical(got)
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(g, w)
	case time.Time:
		g, ok := got.(string)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, g)
		return err == nil && t.Equal(w)
	case json.Number:
		a, _ := httpclient.EncodeJSON(got)
		return string(a) == w.String()
	case float64:
		switch g := got.(type) {
		case float64:
			return g == w
		case int64:
			return float64(g) == w
		}
		return false
	}
	return got == want
}
