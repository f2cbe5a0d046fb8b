package expr

import (
	"errors"
	"fmt"
	"sort"

	"github.com/expr-lang/expr/vm"
	"github.com/onewaysync/oneway/connector"
)

// Value is one compiled value of a map: an expression, a constant, a nested object or a list. The zero
// Value is the constant null. Build Values with CompileValue, ConstValue, ObjectValue and ListValue.
type Value struct{ v evaluator }

type evaluator interface {
	eval(env Env) (any, error)
}

// Field is a named Value: one entry of a map or of a nested object.
type Field struct {
	Name  string
	Value Value
}

// FieldError is an error of one mapped field, for one record. Field is the path of the field in the
// output, such as "email" or "address.lines[1]".
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("map field %q: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// CompileValue compiles an expression that computes a field. It may give any value, including a map or
// array literal (`{"city": record.city}`, `[record.a, record.b]`).
func CompileValue(src string) (Value, error) {
	prog, err := compile(src)
	if err != nil {
		return Value{}, err
	}
	return Value{exprValue{prog: prog}}, nil
}

// ConstValue returns a Value that is always v. v must have a canonical form (see connector.Normalize).
func ConstValue(v any) (Value, error) {
	n, err := connector.Normalize(v)
	if err != nil {
		return Value{}, err
	}
	return Value{constValue{v: n}}, nil
}

// ObjectValue returns a Value that builds an object from fields. Names must be non-empty and unique.
func ObjectValue(fields ...Field) (Value, error) {
	sorted, err := sortFields(fields)
	if err != nil {
		return Value{}, err
	}
	return Value{objectValue{fields: sorted}}, nil
}

// ListValue returns a Value that builds a list from items, in order.
func ListValue(items ...Value) Value {
	return Value{listValue{items: append([]Value(nil), items...)}}
}

func (v Value) eval(env Env) (any, error) {
	if v.v == nil {
		return nil, nil
	}
	return v.v.eval(env)
}

type exprValue struct{ prog *vm.Program }

func (e exprValue) eval(env Env) (any, error) { return run(e.prog, env) }

type constValue struct{ v any }

func (c constValue) eval(Env) (any, error) { return c.v, nil }

type objectValue struct{ fields []Field }

func (o objectValue) eval(env Env) (any, error) {
	out := make(map[string]any, len(o.fields))
	for _, f := range o.fields {
		v, err := f.Value.eval(env)
		if err != nil {
			return nil, inField("."+f.Name, err)
		}
		out[f.Name] = v
	}
	return out, nil
}

type listValue struct{ items []Value }

func (l listValue) eval(env Env) (any, error) {
	out := make([]any, len(l.items))
	for i, item := range l.items {
		v, err := item.eval(env)
		if err != nil {
			return nil, inField(fmt.Sprintf("[%d]", i), err)
		}
		out[i] = v
	}
	return out, nil
}

// inField prefixes the path of a nested field error with seg, so the top level can name the whole path.
func inField(seg string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: seg + fe.Field, Err: fe.Err}
	}
	return &FieldError{Field: seg, Err: err}
}

// Mapping is a sync's compiled `map:`: the fields of the target record and how each is computed.
type Mapping struct {
	fields []Field // sorted by name
}

// NewMapping returns the mapping that produces fields. There must be at least one; names must be
// non-empty and unique.
func NewMapping(fields ...Field) (*Mapping, error) {
	if len(fields) == 0 {
		return nil, errors.New("a map must produce at least one field")
	}
	sorted, err := sortFields(fields)
	if err != nil {
		return nil, err
	}
	return &Mapping{fields: sorted}, nil
}

func sortFields(fields []Field) ([]Field, error) {
	sorted := append([]Field(nil), fields...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i, f := range sorted {
		if f.Name == "" {
			return nil, errors.New("a field name is empty")
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return nil, fmt.Errorf("field %q is defined twice", f.Name)
		}
	}
	return sorted, nil
}

// Apply computes the target record for env. A nil Mapping returns a shallow copy of env.Record. Values are
// normalized (connector.Normalize), so an int becomes int64 and a nested map is a fresh copy. An error is
// a *FieldError naming the field that failed; it concerns this record only.
func (m *Mapping) Apply(env Env) (connector.Record, error) {
	if m == nil {
		out := make(connector.Record, len(env.Record))
		for k, v := range env.Record {
			n, err := connector.Normalize(v)
			if err != nil {
				return nil, &FieldError{Field: k, Err: err}
			}
			out[k] = n
		}
		return out, nil
	}
	out := make(connector.Record, len(m.fields))
	for _, f := range m.fields {
		v, err := f.Value.eval(env)
		if err != nil {
			return nil, inField(f.Name, err)
		}
		n, err := connector.Normalize(v)
		if err != nil {
			return nil, &FieldError{Field: f.Name, Err: err}
		}
		out[f.Name] = n
	}
	return out, nil
}

// Fields returns the names of the top-level fields the mapping produces, sorted; nil for a nil Mapping.
func (m *Mapping) Fields() []string {
	if m == nil {
		return nil
	}
	names := make([]string, len(m.fields))
	for i, f := range m.fields {
		names[i] = f.Name
	}
	return names
}
