package scim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// This file runs a real third-party SCIM server, github.com/elimity-com/scim, in the test process. The
// library does the protocol (routing, schema validation, filter parsing, PatchOp validation, error
// bodies, ETag headers); a SCIM server still needs a store behind it, which is the in-memory
// resourceStore below: what any application serving SCIM with that library writes.

const testToken = "tok-5f3c0ffee-canary-never-print"

// conformanceSchema is an extension holding the conformance suite's fields that the User schema lacks.
const conformanceSchema = "urn:oneway:params:scim:schemas:extension:conformance:2.0:User"

const enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// stored is one resource in the store.
type stored struct {
	id      string
	attrs   scim.ResourceAttributes
	version int
}

func (s *stored) etag() string { return fmt.Sprintf(`W/"%d"`, s.version) }

func (s *stored) resource() scim.Resource {
	return scim.Resource{ID: s.id, Attributes: cloneAttrs(s.attrs), Meta: scim.Meta{Version: s.etag()}}
}

// resourceStore is an in-memory elimity ResourceHandler: unique is the attribute that must be unique
// without regard to case (userName for Users, displayName for Groups).
type resourceStore struct {
	unique string

	mu      sync.Mutex
	next    int
	items   map[string]*stored
	onQuery func() // called after a filtered query was answered, outside the lock
}

func newResourceStore(unique string) *resourceStore {
	return &resourceStore{unique: unique, items: map[string]*stored{}}
}

func (s *resourceStore) conflict(attrs scim.ResourceAttributes, except string) bool {
	want, _ := attrs[s.unique].(string)
	for id, it := range s.items {
		if got, _ := it.attrs[s.unique].(string); id != except && strings.EqualFold(got, want) {
			return true
		}
	}
	return false
}

func (s *resourceStore) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conflict(attrs, "") {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	s.next++
	it := &stored{id: "r" + strconv.Itoa(s.next), attrs: cloneAttrs(attrs), version: 1}
	s.items[it.id] = it
	return it.resource(), nil
}

func (s *resourceStore) Get(_ *http.Request, id string) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return it.resource(), nil
}

func (s *resourceStore) GetAll(_ *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	s.mu.Lock()
	var matched []*stored
	for _, it := range s.sorted() {
		if params.FilterValidator != nil {
			m := cloneAttrs(it.attrs)
			m["id"] = it.id
			if params.FilterValidator.PassesFilter(m) != nil {
				continue
			}
		}
		matched = append(matched, it)
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	for i := params.StartIndex - 1; i >= 0 && i < len(matched) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, matched[i].resource())
	}
	hook := s.onQuery
	s.mu.Unlock()
	if hook != nil && params.FilterValidator != nil {
		hook()
	}
	return page, nil
}

// sorted returns the items in the order they were created.
func (s *resourceStore) sorted() []*stored {
	out := make([]*stored, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].id[1:])
		b, _ := strconv.Atoi(out[j].id[1:])
		return a < b
	})
	return out
}

// toChange finds the item a PUT, PATCH or DELETE changes: a 404 when it is absent, a 412 when the
// request's If-Match names another version (RFC 7644 section 3.14).
func (s *resourceStore) toChange(r *http.Request, id string) (*stored, error) {
	it, ok := s.items[id]
	if !ok {
		return nil, scimerrors.ScimErrorResourceNotFound(id)
	}
	if m := r.Header.Get("If-Match"); m != "" && m != "*" && m != it.etag() {
		return nil, scimerrors.ScimError{Status: http.StatusPreconditionFailed, Detail: "version mismatch: resource is at " + it.etag()}
	}
	return it, nil
}

func (s *resourceStore) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.toChange(r, id)
	if err != nil {
		return scim.Resource{}, err
	}
	if s.conflict(attrs, id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	it.attrs = cloneAttrs(attrs)
	it.version++
	return it.resource(), nil
}

func (s *resourceStore) Delete(r *http.Request, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.toChange(r, id); err != nil {
		return err
	}
	delete(s.items, id)
	return nil
}

// Patch applies add, replace and remove operations with paths of the forms attr, attr.sub, urn:...:attr
// and urn:...:attr.sub, and path-less add/replace (RFC 7644 section 3.5.2). Value filters in paths are
// not needed by the client under test and answer 400.
func (s *resourceStore) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.toChange(r, id)
	if err != nil {
		return scim.Resource{}, err
	}
	attrs := cloneAttrs(it.attrs)
	for _, op := range ops {
		if err := applyOp(attrs, op); err != nil {
			return scim.Resource{}, err
		}
	}
	if s.conflict(attrs, id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	it.attrs = attrs
	it.version++
	return it.resource(), nil
}

func applyOp(attrs map[string]any, op scim.PatchOperation) error {
	if op.Path == nil {
		values, _ := op.Value.(map[string]any)
		for k, v := range values {
			if strings.HasPrefix(k, "urn:") {
				sub := child(attrs, k)
				for sk, sv := range v.(map[string]any) {
					sub[sk] = sv
				}
				continue
			}
			attrs[k] = v
		}
		return nil
	}
	if op.Path.ValueExpression != nil {
		return scimerrors.ScimErrorInvalidPath
	}
	ap := op.Path.AttributePath
	container := attrs
	if uri := ap.URI(); uri != "" && uri != schema.UserSchema && uri != schema.GroupSchema {
		container = child(attrs, uri)
	}
	name := canonicalKey(container, ap.AttributeName)
	if sub := ap.SubAttributeName(); sub != "" {
		m := child(container, name)
		subName := canonicalKey(m, sub)
		if op.Op == scim.PatchOperationRemove {
			delete(m, subName)
		} else {
			m[subName] = op.Value
		}
		return nil
	}
	switch {
	case op.Op == scim.PatchOperationRemove:
		delete(container, name)
	case isMap(op.Value) && isMap(container[name]):
		// Replacing a complex attribute sets the sub-attributes given and keeps the others.
		for k, v := range op.Value.(map[string]any) {
			container[name].(map[string]any)[k] = v
		}
	default:
		container[name] = op.Value
	}
	return nil
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// child returns the object at key, creating it.
func child(m map[string]any, key string) map[string]any {
	if c, ok := m[key].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	m[key] = c
	return c
}

func canonicalKey(m map[string]any, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func cloneAttrs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneAttrs(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// conformanceExtension holds the conformance suite's note, score and seq.
func conformanceExtension() schema.Schema {
	return schema.Schema{
		ID:   conformanceSchema,
		Name: optional.NewString("Conformance"),
		Attributes: []schema.CoreAttribute{
			schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: "note", CaseExact: true})),
			schema.SimpleCoreAttribute(schema.SimpleNumberParams(schema.NumberParams{Name: "score", Type: schema.AttributeTypeDecimal()})),
			schema.SimpleCoreAttribute(schema.SimpleNumberParams(schema.NumberParams{Name: "seq", Type: schema.AttributeTypeInteger()})),
		},
	}
}

// serverOptions vary the test server.
type serverOptions struct {
	noPatch bool // ServiceProviderConfig says patch.supported false
}

// testServer is the elimity server behind httptest, at /scim/v2, with bearer auth, a journal of requests
// and injectable 429 answers.
type testServer struct {
	URL    string // the SCIM base URL
	srv    *httptest.Server
	users  *resourceStore
	groups *resourceStore

	mu        sync.Mutex
	requests  []string // "METHOD /path?query", without the ServiceProviderConfig discovery
	discovery int      // GET /ServiceProviderConfig requests
	throttleN int      // answer the next n requests with 429
	retry     string   // their Retry-After
}

func newTestServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	ts := &testServer{users: newResourceStore("userName"), groups: newResourceStore("displayName")}
	server, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{SupportFiltering: true, SupportPatch: !o.noPatch, MaxResults: 200},
		ResourceTypes: []scim.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Schema: schema.CoreUserSchema(),
				SchemaExtensions: []scim.SchemaExtension{
					{Schema: schema.ExtensionEnterpriseUser()},
					{Schema: conformanceExtension()},
				},
				Handler: ts.users,
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Schema: schema.CoreGroupSchema(), Handler: ts.groups,
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", server))
	ts.srv = httptest.NewServer(ts.middleware(mux))
	t.Cleanup(ts.srv.Close)
	ts.URL = ts.srv.URL + "/scim/v2"
	return ts
}

func (ts *testServer) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
			ts.discovery++
		} else {
			ts.requests = append(ts.requests, r.Method+" "+r.URL.RequestURI())
		}
		throttle := ts.throttleN > 0
		if throttle {
			ts.throttleN--
		}
		retry := ts.retry
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "application/scim+json")
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Authorization failure. The authorization header is invalid or missing.","status":"401"}`)
			return
		}
		if throttle {
			w.Header().Set("Retry-After", retry)
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Too many requests","status":"429"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// throttle makes the next n requests answer 429 with Retry-After: retry.
func (ts *testServer) throttle(n int, retry string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.throttleN, ts.retry = n, retry
}

// discoveries returns how many times ServiceProviderConfig was asked for.
func (ts *testServer) discoveries() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.discovery
}

// journal returns the requests received so far, but for ServiceProviderConfig, and forgets them.
func (ts *testServer) journal() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	out := ts.requests
	ts.requests = nil
	return out
}

// user returns the stored attributes of the user with userName, or nil.
func (ts *testServer) user(userName string) (string, map[string]any) {
	s := ts.users
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, it := range s.items {
		if u, _ := it.attrs["userName"].(string); strings.EqualFold(u, userName) {
			return id, cloneAttrs(it.attrs)
		}
	}
	return "", nil
}

// count returns how many users the store holds.
func (ts *testServer) count() int {
	ts.users.mu.Lock()
	defer ts.users.mu.Unlock()
	return len(ts.users.items)
}

// seed stores a user directly, bypassing the protocol, and returns its id.
func (ts *testServer) seed(t *testing.T, attrs map[string]any) string {
	t.Helper()
	res, err := ts.users.Create(nil, attrs)
	if err != nil {
		t.Fatalf("seed %v: %v", attrs, err)
	}
	return res.ID
}

// touch changes a user behind the client's back, so that its version moves on.
func (ts *testServer) touch(id string) {
	ts.users.mu.Lock()
	defer ts.users.mu.Unlock()
	ts.users.items[id].attrs["nickName"] = "changed at " + time.Now().Format(time.RFC3339Nano)
	ts.users.items[id].version++
}
