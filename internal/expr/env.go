package expr

import (
	"errors"
	"fmt"
	"strings"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/onewaysync/oneway/connector"
)

// Env is what an expression sees: the source record as `record` and the tenant's attributes as `tenant`.
// Both are maps, so a field that a record lacks reads as nil rather than failing.
type Env struct {
	Record connector.Record `expr:"record"`
	Tenant map[string]any   `expr:"tenant"`
}

// nondeterministic returns the expr-lang builtins that are switched off: a map must give the same output
// for the same record on every run, or every run would rewrite every record.
func nondeterministic() []string { return []string{"now"} }

// compile compiles src against the Env shape with oneway's functions and without the nondeterministic
// builtins. Errors are expr-lang's (message, position inside the expression, snippet).
func compile(src string, extra ...exprlang.Option) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("the expression is empty")
	}
	opts := []exprlang.Option{exprlang.Env(Env{})}
	for _, name := range nondeterministic() {
		opts = append(opts, exprlang.DisableBuiltin(name))
	}
	opts = append(opts, functions()...)
	opts = append(opts, extra...)
	prog, err := exprlang.Compile(src, opts...)
	if err != nil {
		if name := callsDisabled(src); name != "" {
			return nil, fmt.Errorf("%s() is not available: expressions must give the same result on every run (use a field of the record instead)", name)
		}
		return nil, err
	}
	return prog, nil
}

// callsDisabled returns the name of a disabled builtin that src calls, or "". It only runs after a failed
// compile, to replace expr-lang's "unknown name now" with the reason.
func callsDisabled(src string) string {
	tree, err := parser.Parse(src)
	if err != nil {
		return ""
	}
	v := &disabledCalls{}
	ast.Walk(&tree.Node, v)
	return v.found
}

type disabledCalls struct{ found string }

func (v *disabledCalls) Visit(node *ast.Node) {
	if v.found != "" {
		return
	}
	var name string
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		name = n.Name
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			name = id.Value
		}
	}
	for _, d := range nondeterministic() {
		if name == d {
			v.found = name
		}
	}
}

// run evaluates prog. A nil Record is bound as an empty one so that `record.x` reads nil.
func run(prog *vm.Program, env Env) (any, error) {
	if env.Record == nil {
		env.Record = connector.Record{}
	}
	return exprlang.Run(prog, env)
}
