package scimserver

import (
	"strings"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	parser "github.com/scim2/filter-parser/v2"
)

// schemaSet knows a resource type's schemas, to find attributes by case-insensitive name.
type schemaSet struct {
	main       schema.Schema
	extensions map[string]schema.Schema // by lower-cased URI
}

func newSchemaSet(main schema.Schema, extensions ...schema.Schema) schemaSet {
	set := schemaSet{main: main, extensions: map[string]schema.Schema{}}
	for _, e := range extensions {
		set.extensions[strings.ToLower(e.ID)] = e
	}
	return set
}

// target is where a PATCH path points: a container map (the resource or an extension's object) and
// the attribute in it.
type target struct {
	container map[string]any
	attr      schema.CoreAttribute
}

// resolve finds the container and attribute of an attribute path. The library has already checked
// that the path names a known attribute, so a miss here is reported as an invalid path.
func (set schemaSet) resolve(attrs map[string]any, p parser.AttributePath, create bool) (target, error) {
	sch, container := set.main, attrs
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, set.main.ID) {
		ext, ok := set.extensions[strings.ToLower(uri)]
		if !ok {
			return target{}, scimerrors.ScimErrorInvalidPath
		}
		sch = ext
		c, ok := attrs[ext.ID].(map[string]any)
		if !ok {
			c = map[string]any{}
			if create {
				attrs[ext.ID] = c
			}
		}
		container = c
	}
	for _, a := range sch.Attributes {
		if strings.EqualFold(a.Name(), p.AttributeName) {
			return target{container: container, attr: a}, nil
		}
	}
	if strings.EqualFold(p.AttributeName, "externalId") {
		return target{container: container}, nil
	}
	return target{}, scimerrors.ScimErrorInvalidPath
}

func subAttrName(a schema.CoreAttribute, name string) string {
	for _, s := range a.SubAttributes() {
		if strings.EqualFold(s.Name(), name) {
			return s.Name()
		}
	}
	return name
}

// apply performs one validated PATCH operation on attrs (and externalId, which the library keeps
// outside the attributes).
func (set schemaSet) apply(attrs map[string]any, externalID *string, op scim.PatchOperation) error {
	if op.Path == nil {
		// No path: the value is an object whose keys are attribute paths or extension URIs.
		values, _ := op.Value.(map[string]any)
		for key, v := range values {
			if ext, ok := set.extensions[strings.ToLower(key)]; ok {
				sub, _ := v.(map[string]any)
				for k2, v2 := range sub {
					p, err := parser.ParsePath([]byte(ext.ID + ":" + k2))
					if err != nil {
						return scimerrors.ScimErrorInvalidPath
					}
					if err := set.apply(attrs, externalID, scim.PatchOperation{Op: op.Op, Path: &p, Value: v2}); err != nil {
						return err
					}
				}
				continue
			}
			p, err := parser.ParsePath([]byte(key))
			if err != nil {
				return scimerrors.ScimErrorInvalidPath
			}
			if err := set.apply(attrs, externalID, scim.PatchOperation{Op: op.Op, Path: &p, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	ap := op.Path.AttributePath
	if strings.EqualFold(ap.AttributeName, "externalId") && ap.URI() == "" {
		s, _ := op.Value.(string)
		if op.Op == scim.PatchOperationRemove {
			s = ""
		}
		*externalID = s
		return nil
	}
	t, err := set.resolve(attrs, ap, op.Op != scim.PatchOperationRemove)
	if err != nil {
		return err
	}
	name := t.attr.Name()
	if op.Path.ValueExpression != nil {
		return applyFiltered(t, op)
	}
	if sub := ap.SubAttributeName(); sub != "" {
		sub = subAttrName(t.attr, sub)
		m, ok := t.container[name].(map[string]any)
		if !ok {
			if op.Op == scim.PatchOperationRemove {
				return nil
			}
			m = map[string]any{}
			t.container[name] = m
		}
		if op.Op == scim.PatchOperationRemove {
			delete(m, sub)
		} else {
			m[sub] = op.Value
		}
		return nil
	}
	switch op.Op {
	case scim.PatchOperationRemove:
		delete(t.container, name)
	case scim.PatchOperationAdd:
		if old, ok := t.container[name].([]any); ok {
			if add, ok := op.Value.([]any); ok {
				t.container[name] = append(old, add...)
				return nil
			}
		}
		fallthrough
	case scim.PatchOperationReplace:
		// A complex value replaces the sub-attributes it names and keeps the others (RFC 7644
		// section 3.5.2.3); anything else replaces the attribute.
		old, oldOK := t.container[name].(map[string]any)
		nv, newOK := op.Value.(map[string]any)
		if oldOK && newOK {
			for k, v := range nv {
				old[k] = v
			}
			return nil
		}
		t.container[name] = op.Value
	}
	return nil
}

// applyFiltered handles paths such as emails[type eq "work"].value on a multi-valued attribute.
func applyFiltered(t target, op scim.PatchOperation) error {
	name := t.attr.Name()
	v := filter.NewFilterValidator(op.Path.ValueExpression, schema.Schema{Attributes: filter.MultiValuedFilterAttributes(t.attr)})
	elems, _ := t.container[name].([]any)
	sub := op.Path.SubAttributeName()
	if sub != "" {
		sub = subAttrName(t.attr, sub)
	}
	matched := false
	var kept []any
	for _, e := range elems {
		m, ok := e.(map[string]any)
		if !ok || !matches(v, m) {
			kept = append(kept, e)
			continue
		}
		matched = true
		switch {
		case op.Op == scim.PatchOperationRemove && sub == "":
			continue // drop the element
		case op.Op == scim.PatchOperationRemove:
			delete(m, sub)
		case sub != "":
			m[sub] = op.Value
		default:
			if nv, ok := op.Value.(map[string]any); ok {
				for k, x := range nv {
					m[k] = x
				}
			}
		}
		kept = append(kept, m)
	}
	if !matched {
		if op.Op != scim.PatchOperationAdd {
			return scimerrors.ScimErrorNoTarget
		}
		// add with no match creates the element the filter describes, as identity providers expect.
		e := map[string]any{}
		if ae, ok := op.Path.ValueExpression.(*parser.AttributeExpression); ok && ae.Operator == parser.EQ {
			e[subAttrName(t.attr, ae.AttributePath.AttributeName)] = ae.CompareValue
		}
		if sub != "" {
			e[sub] = op.Value
		} else if nv, ok := op.Value.(map[string]any); ok {
			for k, x := range nv {
				e[k] = x
			}
		}
		kept = append(kept, e)
	}
	if kept == nil {
		delete(t.container, name)
		return nil
	}
	t.container[name] = kept
	return nil
}

func matches(v filter.Validator, m map[string]any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return v.PassesFilter(m) == nil
}
