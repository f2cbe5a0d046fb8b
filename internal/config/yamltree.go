package config

import (
	"errors"
	"fmt"
	"math"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The loader reads goccy/go-yaml's syntax tree rather than decoding into structs: it needs the position
// of every key and value to point at, and strictness (unknown keys are errors) with its own wording.
// The tree is first reduced to nodes with anchors, aliases, merge keys and tags resolved.

type nodeKind int

const (
	nullNode nodeKind = iota
	scalarNode
	mapNode
	seqNode
)

type node struct {
	kind nodeKind
	pos  Pos
	// value is a scalar's value: string, bool, int64, uint64 or float64.
	value any
	// block is true for a block scalar (| or >), whose text starts on the line after pos.
	block   bool
	entries []*entry // mapNode, in file order
	items   []*node  // seqNode
	// size counts the values under the node with aliases expanded, to refuse alias bombs.
	size int
}

type entry struct {
	key    string
	keyPos Pos
	value  *node
}

func (n *node) describe() string {
	switch n.kind {
	case nullNode:
		return "empty"
	case mapNode:
		return "a mapping"
	case seqNode:
		return "a list"
	}
	switch n.value.(type) {
	case string:
		return "text"
	case bool:
		return "true/false"
	default:
		return "a number"
	}
}

// get returns the entry for key, or nil.
func (n *node) get(key string) *entry {
	for _, e := range n.entries {
		if e.key == key {
			return e
		}
	}
	return nil
}

const (
	maxDepth = 100
	maxSize  = 100000
)

// parseTree parses data, which must hold one YAML document. A nil node means an empty document.
func parseTree(file string, data []byte) (*node, *Error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	var body ast.Node
	for i, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			return nil, &Error{Pos: tokenPos(file, doc.Body), Msg: fmt.Sprintf("found a second YAML document (document %d); a configuration is one document", i+1)}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil
	}
	b := &treeBuilder{file: file, anchors: map[string]*node{}, building: map[string]bool{}}
	return b.build(body)
}

func syntaxError(file string, err error) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pos := Pos{File: file}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return &Error{Pos: pos, Msg: "invalid YAML: " + ye.GetMessage()}
	}
	return &Error{Pos: Pos{File: file}, Msg: "invalid YAML: " + err.Error()}
}

func tokenPos(file string, n ast.Node) Pos {
	pos := Pos{File: file}
	if n == nil {
		return pos
	}
	if _, ok := n.(*ast.DocumentNode); ok {
		return pos // its GetToken dereferences a body that may be nil
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
	}
	return pos
}

type treeBuilder struct {
	file     string
	anchors  map[string]*node
	building map[string]bool
	depth    int
}

func (b *treeBuilder) errorf(n ast.Node, format string, args ...any) *Error {
	return &Error{Pos: tokenPos(b.file, n), Msg: fmt.Sprintf(format, args...)}
}

func (b *treeBuilder) build(n ast.Node) (*node, *Error) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxDepth {
		return nil, b.errorf(n, "the configuration is nested more than %d levels deep", maxDepth)
	}
	out, err := b.convert(n)
	if err != nil {
		return nil, err
	}
	if out.size > maxSize {
		return nil, b.errorf(n, "the configuration expands to more than %d values (through aliases)", maxSize)
	}
	return out, nil
}

func (b *treeBuilder) scalar(n ast.Node, v any) *node {
	return &node{kind: scalarNode, pos: tokenPos(b.file, n), value: v, size: 1}
}

func (b *treeBuilder) convert(n ast.Node) (*node, *Error) {
	switch x := n.(type) {
	case nil:
		return &node{kind: nullNode, pos: Pos{File: b.file}, size: 1}, nil
	case *ast.NullNode:
		return &node{kind: nullNode, pos: tokenPos(b.file, n), size: 1}, nil
	case *ast.StringNode:
		return b.scalar(n, x.Value), nil
	case *ast.LiteralNode:
		out := b.scalar(n, "")
		if x.Value != nil {
			out.value = x.Value.Value
		}
		out.block = true
		return out, nil
	case *ast.IntegerNode:
		// goccy gives positive integers as uint64; connectors expect int64 whenever it fits.
		switch v := x.Value.(type) {
		case int64:
			return b.scalar(n, v), nil
		case uint64:
			if v <= math.MaxInt64 {
				return b.scalar(n, int64(v)), nil
			}
			return b.scalar(n, v), nil
		}
		return nil, b.errorf(n, "unsupported integer %v", x.Value)
	case *ast.FloatNode:
		return b.scalar(n, x.Value), nil
	case *ast.InfinityNode:
		return b.scalar(n, x.Value), nil
	case *ast.NanNode:
		return b.scalar(n, math.NaN()), nil
	case *ast.BoolNode:
		return b.scalar(n, x.Value), nil
	case *ast.TagNode:
		return b.tag(x)
	case *ast.AnchorNode:
		return b.anchor(x)
	case *ast.AliasNode:
		return b.alias(x)
	case *ast.MappingNode:
		return b.mapping(n, x.Values)
	case *ast.MappingValueNode:
		return b.mapping(n, []*ast.MappingValueNode{x})
	case *ast.SequenceNode:
		out := &node{kind: seqNode, pos: tokenPos(b.file, n), size: 1}
		for _, item := range x.Values {
			v, err := b.build(item)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, v)
			out.size += v.size
		}
		return out, nil
	}
	return nil, b.errorf(n, "unsupported YAML here (%s)", n.Type())
}

func (b *treeBuilder) tag(x *ast.TagNode) (*node, *Error) {
	tag := ""
	if x.Start != nil {
		tag = x.Start.Value
	}
	switch tag {
	case "!!str":
		v, err := b.build(x.Value)
		if err != nil {
			return nil, err
		}
		if v.kind != scalarNode && v.kind != nullNode {
			return nil, b.errorf(x, "!!str must tag a scalar")
		}
		text := ""
		if sv, ok := x.Value.(ast.ScalarNode); ok && x.Value.GetToken() != nil {
			text = x.Value.GetToken().Value
			if s, ok := sv.GetValue().(string); ok {
				text = s
			}
		}
		return &node{kind: scalarNode, pos: v.pos, value: text, size: 1}, nil
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
		return b.build(x.Value)
	}
	return nil, b.errorf(x, "unsupported YAML tag %q", tag)
}

func nameOf(n ast.Node) string {
	if n == nil {
		return ""
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

func (b *treeBuilder) anchor(x *ast.AnchorNode) (*node, *Error) {
	name := nameOf(x.Name)
	b.building[name] = true
	v, err := b.build(x.Value)
	delete(b.building, name)
	if err != nil {
		return nil, err
	}
	b.anchors[name] = v
	return v, nil
}

func (b *treeBuilder) alias(x *ast.AliasNode) (*node, *Error) {
	name := nameOf(x.Value)
	if b.building[name] {
		return nil, b.errorf(x, "alias *%s refers to the value it is part of", name)
	}
	v, ok := b.anchors[name]
	if !ok {
		return nil, b.errorf(x, "alias *%s has no anchor &%s before it", name, name)
	}
	return v, nil
}

// mapping builds a mapping. Merge keys (<<: *base) add the entries of other mappings that the mapping
// does not set itself, as YAML 1.1 defines them.
func (b *treeBuilder) mapping(n ast.Node, values []*ast.MappingValueNode) (*node, *Error) {
	out := &node{kind: mapNode, pos: tokenPos(b.file, n), size: 1}
	var merged []*entry
	for i, mv := range values {
		if mv == nil {
			continue
		}
		key := ast.Node(mv.Key)
		if k, ok := key.(*ast.MappingKeyNode); ok {
			key = k.Value
		}
		if key == nil {
			return nil, b.errorf(mv, "a mapping key is missing")
		}
		v, err := b.build(mv.Value)
		if err != nil {
			return nil, err
		}
		keyPos := tokenPos(b.file, key)
		if i == 0 {
			out.pos = keyPos
		}
		out.size += v.size
		if out.size > maxSize {
			return nil, b.errorf(mv, "the configuration expands to more than %d values (through aliases)", maxSize)
		}
		if _, ok := key.(*ast.MergeKeyNode); ok {
			m, err := b.mergeSources(mv, v)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		name, err := b.keyText(key)
		if err != nil {
			return nil, err
		}
		if prev := out.get(name); prev != nil {
			return nil, &Error{Pos: keyPos, Msg: fmt.Sprintf("key %q is already set at line %d", name, prev.keyPos.Line)}
		}
		out.entries = append(out.entries, &entry{key: name, keyPos: keyPos, value: v})
	}
	for _, e := range merged {
		if out.get(e.key) == nil {
			out.entries = append(out.entries, e)
		}
	}
	return out, nil
}

func (b *treeBuilder) mergeSources(mv *ast.MappingValueNode, v *node) ([]*entry, *Error) {
	switch v.kind {
	case mapNode:
		return v.entries, nil
	case seqNode:
		var all []*entry
		for _, item := range v.items {
			if item.kind != mapNode {
				return nil, b.errorf(mv, "<< merges mappings, and this list holds %s", item.describe())
			}
			all = append(all, item.entries...)
		}
		return all, nil
	}
	return nil, b.errorf(mv, "<< merges a mapping or a list of mappings, not %s", v.describe())
}

func (b *treeBuilder) keyText(key ast.Node) (string, *Error) {
	switch k := key.(type) {
	case *ast.StringNode:
		return k.Value, nil
	case *ast.NullNode:
		return "", nil
	case ast.ScalarNode:
		if tk := k.GetToken(); tk != nil {
			return tk.Value, nil
		}
	}
	return "", b.errorf(key, "a mapping key must be a name, not %s", key.Type())
}
