package expr

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func mustValue(t *testing.T, src string) Value {
	t.Helper()
	v, err := CompileValue(src)
	if err != nil {
		t.Fatalf("CompileValue(%q): %v", src, err)
	}
	return v
}

func mustConst(t *testing.T, c any) Value {
	t.Helper()
	v, err := ConstValue(c)
	if err != nil {
		t.Fatalf("ConstValue(%v): %v", c, err)
	}
	return v
}

func mustObject(t *testing.T, fields ...Field) Value {
	t.Helper()
	v, err := ObjectValue(fields...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompileValueErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`record.first_name +`, "unexpected token"},
		{`lowr(record.email)`, "unknown name lowr"},
		{`upper()`, "not enough arguments"},
		{`now()`, "now() is not available"},
		{`date("2024-01-01") < now()`, "now() is not available"},
		{`concat_ws()`, "not enough arguments"},
		{`concat_ws(1, "a")`, "cannot use int as argument"},
		{`nullif(1)`, "not enough arguments"},
		{``, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := CompileValue(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CompileValue(%q) error = %v, want one containing %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	rec := connector.Record{
		"id":         int64(7),
		"first_name": "Ada",
		"last_name":  "Lovelace",
		"middle":     nil,
		"email":      "ADA@Example.COM",
		"score":      1.5,
		"city":       "London",
		"tags":       []any{"a", "b"},
		"hired_at":   time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	}
	tests := []struct {
		name   string
		fields []Field
		want   connector.Record
	}{
		{
			name: "expressions and builtins",
			fields: []Field{
				{"candidate_id", mustValue(t, "record.id")},
				{"full_name", mustValue(t, `record.first_name + " " + record.last_name`)},
				{"email", mustValue(t, "lower(record.email)")},
			},
			want: connector.Record{"candidate_id": int64(7), "full_name": "Ada Lovelace", "email": "ada@example.com"},
		},
		{
			name:   "unknown record field is nil",
			fields: []Field{{"x", mustValue(t, "record.no_such_field")}, {"y", mustValue(t, "record.no_such_object?.city")}},
			want:   connector.Record{"x": nil, "y": nil},
		},
		{
			name:   "int literal is normalized to int64",
			fields: []Field{{"n", mustValue(t, "record.id * 2")}, {"c", mustValue(t, "3")}},
			want:   connector.Record{"n": int64(14), "c": int64(3)},
		},
		{
			name: "constants",
			fields: []Field{
				{"i", mustConst(t, 5)}, {"b", mustConst(t, true)}, {"null", mustConst(t, nil)},
				{"f", mustConst(t, 2.5)}, {"zero", Value{}},
			},
			want: connector.Record{"i": int64(5), "b": true, "null": nil, "f": 2.5, "zero": nil},
		},
		{
			name: "nested object and list",
			fields: []Field{
				{"address", mustObject(t, Field{"city", mustValue(t, "upper(record.city)")}, Field{"country", mustConst(t, "UK")})},
				{"names", ListValue(mustValue(t, "record.first_name"), mustConst(t, int64(1)), mustObject(t, Field{"x", mustValue(t, "record.id")}))},
			},
			want: connector.Record{
				"address": map[string]any{"city": "LONDON", "country": "UK"},
				"names":   []any{"Ada", int64(1), map[string]any{"x": int64(7)}},
			},
		},
		{
			name: "map and array literals in an expression",
			fields: []Field{
				{"address", mustValue(t, `{"city": record.city, "zip": nil, "n": 1}`)},
				{"list", mustValue(t, `[record.id, record.first_name, 2.5]`)},
				{"tags", mustValue(t, `record.tags`)},
			},
			want: connector.Record{
				"address": map[string]any{"city": "London", "zip": nil, "n": int64(1)},
				"list":    []any{int64(7), "Ada", 2.5},
				"tags":    []any{"a", "b"},
			},
		},
		{
			name: "helpers",
			fields: []Field{
				{"name", mustValue(t, `concat_ws(" ", record.first_name, record.middle, record.last_name)`)},
				{"nick", mustValue(t, `coalesce(record.nickname, record.middle, record.first_name)`)},
				{"none", mustValue(t, `coalesce(record.nickname, nil)`)},
				{"empty", mustValue(t, `nullif("", "")`)},
				{"kept", mustValue(t, `nullif(record.email, "")`)},
				{"num", mustValue(t, `nullif(record.id, 7.0)`)},
				{"mixed", mustValue(t, `concat_ws("-", record.id, record.score, true, record.hired_at, "")`)},
			},
			want: connector.Record{
				"name": "Ada Lovelace", "nick": "Ada", "none": nil, "empty": nil,
				"kept": "ADA@Example.COM", "num": nil,
				"mixed": "7-1.5-true-2024-05-01T10:00:00Z-",
			},
		},
		{
			name:   "times become UTC",
			fields: []Field{{"t", mustValue(t, "record.hired_at")}, {"d", mustValue(t, `date("2024-01-02")`)}},
			want:   connector.Record{"t": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), "d": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMapping(tt.fields...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Apply(Env{Record: rec})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyErrorsNameTheField(t *testing.T) {
	rec := connector.Record{"n": "text", "list": []any{1}}
	tests := []struct {
		name      string
		field     Field
		wantField string
		wantMsg   string
	}{
		{"top level", Field{"a", mustValue(t, "record.nope.deeper")}, "a", "cannot fetch deeper"},
		{"nested object", Field{"address", mustObject(t, Field{"city", mustValue(t, "record.n + 1")})}, "address.city", "invalid operation"},
		{"list item", Field{"lines", ListValue(mustConst(t, "x"), mustValue(t, `record.x.y`))}, "lines[1]", "cannot fetch y"},
		{"deep", Field{"a", mustObject(t, Field{"b", ListValue(mustObject(t, Field{"c", mustValue(t, "record.x.y")}))})}, "a.b[0].c", "cannot fetch y"},
		{"no canonical form", Field{"d", mustValue(t, `duration("1h")`)}, "d", "time.Duration has no canonical form"},
		{"concat_ws of a list", Field{"s", mustValue(t, `concat_ws(",", record.list)`)}, "s", "concat_ws: argument 2"},
		{"concat_ws separator not text", Field{"s", mustValue(t, `concat_ws(record.list, "a")`)}, "s", "separator must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMapping(Field{"ok", mustConst(t, 1)}, tt.field)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Apply(Env{Record: rec})
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Apply error = %v, want a *FieldError", err)
			}
			if fe.Field != tt.wantField {
				t.Errorf("FieldError.Field = %q, want %q", fe.Field, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), `"`+tt.wantField+`"`) {
				t.Errorf("error %q should name %q and contain %q", err, tt.wantField, tt.wantMsg)
			}
		})
	}
}

func TestNewMappingErrors(t *testing.T) {
	one := mustConst(t, 1)
	if _, err := NewMapping(); err == nil {
		t.Error("NewMapping() with no fields: want an error")
	}
	if _, err := NewMapping(Field{"a", one}, Field{"a", one}); err == nil || !strings.Contains(err.Error(), `"a" is defined twice`) {
		t.Errorf("duplicate field: error = %v", err)
	}
	if _, err := NewMapping(Field{"", one}); err == nil {
		t.Error("empty field name: want an error")
	}
	if _, err := ObjectValue(Field{"x", one}, Field{"x", one}); err == nil {
		t.Error("ObjectValue with a duplicate name: want an error")
	}
	if _, err := ConstValue(struct{}{}); err == nil {
		t.Error("ConstValue(struct{}{}): want an error")
	}
}

func TestFields(t *testing.T) {
	one := mustConst(t, 1)
	m, err := NewMapping(Field{"zeta", one}, Field{"alpha", one}, Field{"mid", mustObject(t, Field{"inner", one})})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alpha", "mid", "zeta"}, m.Fields()); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	var nilMap *Mapping
	if nilMap.Fields() != nil {
		t.Errorf("nil mapping Fields = %v, want nil", nilMap.Fields())
	}
}

func TestNilMappingCopies(t *testing.T) {
	nested := map[string]any{"x": int64(1)}
	rec := connector.Record{"a": 1, "b": "s", "n": nested, "j": json.Number("1.5")}
	var m *Mapping
	got, err := m.Apply(Env{Record: rec})
	if err != nil {
		t.Fatal(err)
	}
	want := connector.Record{"a": int64(1), "b": "s", "n": map[string]any{"x": int64(1)}, "j": json.Number("1.5")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}
	got["b"] = "changed"
	if rec["b"] != "s" {
		t.Error("changing the result changed the source record")
	}
	if _, err := m.Apply(Env{Record: connector.Record{"bad": make(chan int)}}); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("non-canonical field: error = %v, want one naming the field", err)
	}
}

func TestApplyConstantsAreNotShared(t *testing.T) {
	obj := mustConst(t, map[string]any{"k": "v"})
	m, err := NewMapping(Field{"o", obj})
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.Apply(Env{})
	if err != nil {
		t.Fatal(err)
	}
	first["o"].(map[string]any)["k"] = "mutated"
	second, err := m.Apply(Env{})
	if err != nil {
		t.Fatal(err)
	}
	if second["o"].(map[string]any)["k"] != "v" {
		t.Error("mutating one result changed the constant of the next")
	}
}

// TestApplyConcurrent runs one Mapping from many goroutines, as the engine may; -race checks it.
func TestApplyConcurrent(t *testing.T) {
	m, err := NewMapping(
		Field{"id", mustValue(t, "record.id")},
		Field{"name", mustValue(t, `upper(record.name)`)},
		Field{"obj", mustObject(t, Field{"n", mustValue(t, "record.id + 1")})},
	)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := int64(g*1000 + i)
				got, err := m.Apply(Env{Record: connector.Record{"id": id, "name": "x"}})
				if err != nil {
					errs <- err
					return
				}
				if got["id"] != id || got["obj"].(map[string]any)["n"] != id+1 {
					errs <- errors.New("wrong result under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
