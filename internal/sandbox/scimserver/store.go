package scimserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Resource is a stored SCIM resource, for inspection from tests.
type Resource struct {
	ID           string
	ExternalID   string
	Attributes   map[string]any // SCIM attribute names; extension attributes under the extension URI
	Version      int
	Created      time.Time
	LastModified time.Time
}

// ETag is the resource's weak entity tag, as sent in the ETag header and meta.version.
func (r Resource) ETag() string { return `W/"` + strconv.Itoa(r.Version) + `"` }

// store is an in-memory scim.ResourceHandler for one resource type.
type store struct {
	kind    string // "User" or "Group", for messages
	unique  string // attribute that must be unique (case-insensitively)
	clock   func() time.Time
	schemas schemaSet

	mu    sync.Mutex
	order []string
	byID  map[string]*Resource
}

var _ scim.ResourceHandler = (*store)(nil)

func newStore(kind, unique string, clock func() time.Time, main schema.Schema, extensions ...schema.Schema) *store {
	return &store{kind: kind, unique: unique, clock: clock, schemas: newSchemaSet(main, extensions...), byID: map[string]*Resource{}}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *store) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

// conflict reports whether another resource already holds attrs' unique value. Callers hold s.mu.
func (s *store) conflict(attrs map[string]any, self string) bool {
	v, _ := attrs[s.unique].(string)
	for id, r := range s.byID {
		if other, _ := r.Attributes[s.unique].(string); id != self && v != "" && strings.EqualFold(other, v) {
			return true
		}
	}
	return false
}

func (s *store) response(r *Resource) scim.Resource {
	created, modified := r.Created, r.LastModified
	out := scim.Resource{ID: r.ID, Attributes: deepCopy(r.Attributes).(map[string]any),
		Meta: scim.Meta{Created: &created, LastModified: &modified, Version: r.ETag()}}
	if r.ExternalID != "" {
		out.ExternalID = optional.NewString(r.ExternalID)
	}
	return out
}

// checkIfMatch enforces RFC 7644 section 3.14: with If-Match, a stale version fails with 412.
func checkIfMatch(req *http.Request, r *Resource) error {
	want := req.Header.Get("If-Match")
	if want == "" || want == "*" {
		return nil
	}
	for _, tag := range strings.Split(want, ",") {
		if strings.TrimSpace(tag) == r.ETag() {
			return nil
		}
	}
	return scimerrors.ScimError{Status: http.StatusPreconditionFailed,
		Detail: fmt.Sprintf("Failed to update. Resource %s changed on the server: its version is %s, not %s.", r.ID, r.ETag(), want)}
}

func splitExternalID(attrs scim.ResourceAttributes) (map[string]any, string) {
	m := deepCopy(map[string]any(attrs)).(map[string]any)
	ext, _ := m[schema.CommonAttributeExternalID].(string)
	delete(m, schema.CommonAttributeExternalID)
	delete(m, "schemas")
	return m, ext
}

func (s *store) add(attrs map[string]any) (Resource, error) {
	res, err := s.Create(nil, attrs)
	if err != nil {
		return Resource{}, err
	}
	r, _ := s.get(res.ID)
	return r, nil
}

// Create stores a new resource; a taken unique value is a 409 uniqueness error.
func (s *store) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	m, ext := splitExternalID(attrs)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conflict(m, "") {
		e := scimerrors.ScimErrorUniqueness
		e.Detail = fmt.Sprintf("%s %q is already taken by another %s.", s.unique, m[s.unique], s.kind)
		return scim.Resource{}, e
	}
	now := s.now()
	r := &Resource{ID: newID(), ExternalID: ext, Attributes: m, Version: 1, Created: now, LastModified: now}
	s.byID[r.ID] = r
	s.order = append(s.order, r.ID)
	return s.response(r), nil
}

func (s *store) find(id string) (*Resource, error) {
	r, ok := s.byID[id]
	if !ok {
		return nil, scimerrors.ScimErrorResourceNotFound(id)
	}
	return r, nil
}

// findToChange finds the resource a PUT, PATCH or DELETE changes: a 404 when it is absent, a 412 when
// the request's If-Match names another version.
func (s *store) findToChange(req *http.Request, id string) (*Resource, error) {
	r, err := s.find(id)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(req, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns one resource or a 404.
func (s *store) Get(_ *http.Request, id string) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.find(id)
	if err != nil {
		return scim.Resource{}, err
	}
	return s.response(r), nil
}

// GetAll filters with the library-validated filter and pages with startIndex and count.
func (s *store) GetAll(_ *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*Resource
	for _, id := range s.order {
		r := s.byID[id]
		if params.FilterValidator == nil || passes(params, r) {
			matched = append(matched, r)
		}
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	start := max(params.StartIndex, 1) - 1
	for i := start; i < len(matched) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, s.response(matched[i]))
	}
	return page, nil
}

// passes evaluates the filter on the resource as the library expects it: attributes plus id and
// externalId. The library panics on some shapes it does not expect; such a resource does not match.
func passes(params scim.ListRequestParams, r *Resource) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	view := deepCopy(r.Attributes).(map[string]any)
	view[schema.CommonAttributeID] = r.ID
	if r.ExternalID != "" {
		view[schema.CommonAttributeExternalID] = r.ExternalID
	}
	return params.FilterValidator.PassesFilter(view) == nil
}

// Replace swaps all attributes (PUT).
func (s *store) Replace(req *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	m, ext := splitExternalID(attrs)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findToChange(req, id)
	if err != nil {
		return scim.Resource{}, err
	}
	if s.conflict(m, id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	r.Attributes, r.ExternalID = m, ext
	r.Version++
	r.LastModified = s.now()
	return s.response(r), nil
}

// Delete removes a resource.
func (s *store) Delete(req *http.Request, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.findToChange(req, id); err != nil {
		return err
	}
	delete(s.byID, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return nil
}

// Patch applies the operations in order, all or nothing (RFC 7644 section 3.5.2).
func (s *store) Patch(req *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findToChange(req, id)
	if err != nil {
		return scim.Resource{}, err
	}
	attrs := deepCopy(r.Attributes).(map[string]any)
	ext := r.ExternalID
	for _, op := range ops {
		if err := s.schemas.apply(attrs, &ext, op); err != nil {
			return scim.Resource{}, err
		}
	}
	if s.conflict(attrs, id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	before, _ := json.Marshal(r.Attributes)
	after, _ := json.Marshal(attrs)
	if string(before) != string(after) || ext != r.ExternalID {
		r.Attributes, r.ExternalID = attrs, ext
		r.Version++
		r.LastModified = s.now()
	}
	return s.response(r), nil
}

func (s *store) get(id string) (Resource, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return Resource{}, false
	}
	out := *r
	out.Attributes = deepCopy(r.Attributes).(map[string]any)
	return out, true
}

func (s *store) all() []Resource {
	s.mu.Lock()
	ids := append([]string(nil), s.order...)
	s.mu.Unlock()
	var out []Resource
	for _, id := range ids {
		if r, ok := s.get(id); ok {
			out = append(out, r)
		}
	}
	return out
}

func (s *store) byUnique(v string) (Resource, bool) {
	for _, r := range s.all() {
		if other, _ := r.Attributes[s.unique].(string); strings.EqualFold(other, v) {
			return r, true
		}
	}
	return Resource{}, false
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case scim.ResourceAttributes:
		return deepCopy(map[string]any(v))
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	case []map[string]any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
