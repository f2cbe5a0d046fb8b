package config

import (
	"fmt"
	"sort"
	"strings"
)

// String renders p as file:line:column, file:line when the column is unknown, or file alone.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

// Error is one problem in a configuration file. It renders as
// `oneway.yaml:12:7: syncs[0].targets[1].mode: unknown mode "mirorr" (want mirror, upsert, update, create or append)`.
type Error struct {
	Pos Pos
	// Path is the field path, such as syncs[0].targets[1].mode; empty for the file as a whole.
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem Load found, in file order. It is the only error type Load returns, so a caller
// can tell an invalid configuration (exit code 2) from other failures with errors.As.
type Errors []*Error

// Error renders one problem per line.
func (l Errors) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find an individual *Error.
func (l Errors) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

func (l Errors) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// unique drops repeated errors: a mistake inside a sync template is found once per tenant.
func (l Errors) unique() Errors {
	seen := map[string]bool{}
	out := l[:0]
	for _, e := range l {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
