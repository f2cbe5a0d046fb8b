package scimserver

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	bearer     = "scim-test-token"
	userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

func start(t *testing.T) *Server {
	t.Helper()
	return sandboxtest.Start(t, New, Options{Token: bearer})
}

// reply is an answer with its JSON body decoded (nil when empty).
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, s *Server, method, path, tok string, body any, header map[string]string) reply {
	t.Helper()
	r := sandboxtest.Do(t, method, s.URL()+path, sandboxtest.JSON(t, body),
		sandboxtest.Headers(map[string]string{"Content-Type": "application/scim+json"}), sandboxtest.Bearer(tok), sandboxtest.Headers(header))
	var m map[string]any
	if len(r.Body) > 0 {
		r.Decode(t, &m)
	}
	return reply{r.Status, r.Header, m}
}

func findByUserName(t *testing.T, s *Server, name string) []any {
	t.Helper()
	r := call(t, s, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), bearer, nil, nil)
	if r.status != 200 {
		t.Fatalf("filter: %d %v", r.status, r.body)
	}
	res, _ := r.body["Resources"].([]any)
	return res
}

func newUser(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{userSchema, enterprise},
		"userName": userName, "externalId": "bamboo-101", "active": true, "title": "Engineer",
		"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":   []map[string]any{{"value": userName, "type": "work", "primary": true}},
		enterprise: map[string]any{"department": "R&D", "manager": map[string]any{"value": "boss-1"}},
	}
}

func TestAuth(t *testing.T) {
	s := start(t)
	for _, tok := range []string{"", "wrong"} {
		r := call(t, s, http.MethodGet, "/Users", tok, nil, nil)
		if r.status != 401 || r.body["status"] != "401" || r.header.Get("WWW-Authenticate") == "" {
			t.Fatalf("token %q: %d %v", tok, r.status, r.body)
		}
	}
	if r := call(t, s, http.MethodGet, "/ServiceProviderConfig", bearer, nil, nil); r.status != 200 {
		t.Fatalf("ServiceProviderConfig: %d", r.status)
	}
}

func TestProvisioningLifecycle(t *testing.T) {
	s := start(t)
	if got := findByUserName(t, s, "ada@example.com"); len(got) != 0 {
		t.Fatalf("empty store found %v", got)
	}
	created := call(t, s, http.MethodPost, "/Users", bearer, newUser("ada@example.com"), nil)
	if created.status != 201 || created.header.Get("Location") == "" || created.header.Get("Etag") != `W/"1"` {
		t.Fatalf("create: %d %v %v", created.status, created.header, created.body)
	}
	id, _ := created.body["id"].(string)
	meta, _ := created.body["meta"].(map[string]any)
	if id == "" || meta["version"] != `W/"1"` || created.body["externalId"] != "bamboo-101" {
		t.Fatalf("created body %v", created.body)
	}
	dup := call(t, s, http.MethodPost, "/Users", bearer, newUser("ADA@example.com"), nil)
	if dup.status != 409 || dup.body["scimType"] != "uniqueness" {
		t.Fatalf("duplicate userName: %d %v", dup.status, dup.body)
	}
	if got := findByUserName(t, s, "ada@example.com"); len(got) != 1 {
		t.Fatalf("filter after create: %v", got)
	}

	patch := func(ifMatch string, ops ...map[string]any) reply {
		h := map[string]string{}
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return call(t, s, http.MethodPatch, "/Users/"+id, bearer, map[string]any{"schemas": []string{patchOp}, "Operations": ops}, h)
	}
	r := patch(`W/"1"`,
		map[string]any{"op": "replace", "path": "title", "value": "Staff Engineer"},
		map[string]any{"op": "replace", "path": enterprise + ":department", "value": "Platform"},
		map[string]any{"op": "replace", "path": `emails[type eq "work"].value`, "value": "ada.l@example.com"},
		map[string]any{"op": "replace", "path": "name.givenName", "value": "Augusta"},
	)
	if r.status != 200 || r.header.Get("Etag") != `W/"2"` {
		t.Fatalf("patch: %d %v %v", r.status, r.header, r.body)
	}
	u, _ := s.User(id)
	ext, _ := u.Attributes[enterprise].(map[string]any)
	emails, _ := u.Attributes["emails"].([]any)
	name, _ := u.Attributes["name"].(map[string]any)
	if u.Attributes["title"] != "Staff Engineer" || ext["department"] != "Platform" || len(emails) != 1 ||
		emails[0].(map[string]any)["value"] != "ada.l@example.com" || name["givenName"] != "Augusta" || name["familyName"] != "Lovelace" {
		t.Fatalf("after patch: %+v", u.Attributes)
	}
	if r := patch(`W/"1"`, map[string]any{"op": "replace", "path": "active", "value": false}); r.status != 412 {
		t.Fatalf("stale If-Match: %d %v", r.status, r.body)
	}
	// Entra/Okta style deactivation: no path, a value object.
	if r := patch("", map[string]any{"op": "Replace", "value": map[string]any{"active": false}}); r.status != 200 || r.body["active"] != false {
		t.Fatalf("deactivate: %d %v", r.status, r.body)
	}
	if r := patch("", map[string]any{"op": "replace", "path": `emails[type eq "home"].value`, "value": "x@example.com"}); r.status != 400 || r.body["scimType"] != "noTarget" {
		t.Fatalf("replace on no match: %d %v", r.status, r.body)
	}
	if r := patch("", map[string]any{"op": "remove", "path": "title"}); r.status != 200 || r.body["title"] != nil {
		t.Fatalf("remove title: %d %v", r.status, r.body)
	}
	u, _ = s.User(id)
	if u.Attributes["active"] != false || u.Version != 4 {
		t.Fatalf("after deactivation: version %d %+v", u.Version, u.Attributes)
	}
	put := newUser("ada@example.com")
	put["title"] = "Fellow"
	if r := call(t, s, http.MethodPut, "/Users/"+id, bearer, put, map[string]string{"If-Match": u.ETag()}); r.status != 200 || r.body["title"] != "Fellow" {
		t.Fatalf("put: %d %v", r.status, r.body)
	}
	if r := call(t, s, http.MethodDelete, "/Users/"+id, bearer, nil, nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := call(t, s, http.MethodGet, "/Users/"+id, bearer, nil, nil); r.status != 404 || r.body["status"] != "404" {
		t.Fatalf("get deleted: %d %v", r.status, r.body)
	}
}

func TestAdoptSeededUserAndGroups(t *testing.T) {
	s := start(t)
	seeded, err := s.AddUser(map[string]any{"userName": "grace@example.com", "active": true})
	if err != nil {
		t.Fatal(err)
	}
	got := findByUserName(t, s, "Grace@Example.com")
	if len(got) != 1 || got[0].(map[string]any)["id"] != seeded.ID {
		t.Fatalf("adoption lookup: %v", got)
	}
	g := call(t, s, http.MethodPost, "/Groups", bearer, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Engineering",
		"members": []map[string]any{{"value": seeded.ID}},
	}, nil)
	if g.status != 201 {
		t.Fatalf("group: %d %v", g.status, g.body)
	}
	if d := call(t, s, http.MethodPost, "/Groups", bearer, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "engineering",
	}, nil); d.status != 409 {
		t.Fatalf("duplicate group: %d", d.status)
	}
	if n := len(s.Groups()); n != 1 {
		t.Fatalf("%d groups", n)
	}
}

func TestPagingAndFaults(t *testing.T) {
	s := start(t)
	for _, n := range []string{"a", "b", "c"} {
		if _, err := s.AddUser(map[string]any{"userName": n + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	r := call(t, s, http.MethodGet, "/Users?startIndex=2&count=1", bearer, nil, nil)
	res, _ := r.body["Resources"].([]any)
	if r.body["totalResults"] != float64(3) || len(res) != 1 || res[0].(map[string]any)["userName"] != "b@example.com" {
		t.Fatalf("page: %v", r.body)
	}
	s.Faults.Throttle(1, time.Second)
	s.Faults.FailNext(1, 503)
	if r := call(t, s, http.MethodGet, "/Users", bearer, nil, nil); r.status != 429 || r.header.Get("Retry-After") != "1" || r.body["status"] != "429" {
		t.Fatalf("throttled: %d %v", r.status, r.body)
	}
	if r := call(t, s, http.MethodGet, "/Users", bearer, nil, nil); r.status != 503 {
		t.Fatalf("failure: %d", r.status)
	}
	if r := call(t, s, http.MethodGet, "/Users?filter="+url.QueryEscape("nonsense eq"), bearer, nil, nil); r.status != 400 || r.body["scimType"] != "invalidFilter" {
		t.Fatalf("bad filter: %d %v", r.status, r.body)
	}
}
