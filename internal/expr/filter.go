package expr

import (
	"fmt"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Filter is a compiled boolean expression that decides whether a record takes part in a sync.
type Filter struct {
	src  string
	prog *vm.Program
}

// CompileFilter compiles src, which must give a boolean. A field the record lacks is nil, and nil counts
// as false (`record.active` drops records without `active`). The error explains what does not compile,
// with the position inside the expression.
func CompileFilter(src string) (*Filter, error) {
	prog, err := compile(src, exprlang.AsBool())
	if err != nil {
		return nil, err
	}
	return &Filter{src: src, prog: prog}, nil
}

// Match reports whether env's record passes. A nil Filter matches everything. An error (a value that is
// not a boolean, an operation on the wrong type) concerns this record only.
func (f *Filter) Match(env Env) (bool, error) {
	if f == nil {
		return true, nil
	}
	out, err := run(f.prog, env)
	if err != nil {
		return false, fmt.Errorf("filter: %w", err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("filter: gave %T, not a boolean", out)
	}
	return b, nil
}

// Source returns the expression as written; "" for a nil Filter.
func (f *Filter) Source() string {
	if f == nil {
		return ""
	}
	return f.src
}
