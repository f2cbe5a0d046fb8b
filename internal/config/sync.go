package config

import (
	"errors"
	"sort"
	"strings"

	exprfile "github.com/expr-lang/expr/file"
	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/expr"
)

func (l *loader) syncs(e *entry, root *node, spec *Spec, conns opened) {
	if !present(e) {
		l.errorf(root.pos, "syncs", "is required (a list of at least one sync)")
		return
	}
	if e.value.kind != seqNode {
		l.errorf(e.value.pos, "syncs", "must be a list of at least one sync, not %s", e.value.describe())
		return
	}
	if len(e.value.items) == 0 {
		l.errorf(e.value.pos, "syncs", "is empty: list at least one sync")
		return
	}
	names := map[string]Pos{}
	for i, n := range e.value.items {
		s := l.sync(n, index("syncs", i), spec, conns)
		if s == nil {
			continue
		}
		if s.Name != "" {
			if prev, dup := names[s.Name]; dup {
				l.errorf(s.Pos, index("syncs", i)+".name", "sync name %q is already used at line %d", s.Name, prev.Line)
			}
			names[s.Name] = s.Pos
		}
		spec.Syncs = append(spec.Syncs, s)
	}
}

func (l *loader) sync(n *node, path string, spec *Spec, conns opened) *Sync {
	m := l.object(n, path, "name", "source", "filter", "map", "targets", "schedule", "webhook")
	if m == nil {
		return nil
	}
	s := &Sync{Pos: n.pos}
	if name, ok := l.requiredText(m["name"], n, join(path, "name"), "a name for the sync, used on the command line and in the state"); ok {
		if l.checkName(name, m["name"].value.pos, join(path, "name"), "sync") {
			s.Name = name
		}
	}
	s.Source = l.source(m["source"], n, join(path, "source"), spec, conns)
	l.service(m["schedule"], m["webhook"], path) // checked here; LoadServe (server.go) keeps it
	if src, ok := l.text(m["filter"], join(path, "filter")); ok {
		f, err := expr.CompileFilter(src)
		if err != nil {
			l.exprError(m["filter"].value, join(path, "filter"), err)
		}
		s.Filter = f
	}
	if present(m["map"]) {
		s.Map = l.mapping(m["map"].value, join(path, "map"))
	}
	tpath := join(path, "targets")
	te := m["targets"]
	switch {
	case !present(te):
		l.errorf(n.pos, tpath, "is required (a list of at least one target)")
	case te.value.kind != seqNode:
		l.errorf(te.value.pos, tpath, "must be a list of at least one target, not %s", te.value.describe())
	case len(te.value.items) == 0:
		l.errorf(te.value.pos, tpath, "is empty: list at least one target")
	default:
		seen := map[string]Pos{}
		for i, tn := range te.value.items {
			t := l.target(tn, index(tpath, i), s, spec, conns)
			if t == nil {
				continue
			}
			if t.Connection != "" && t.Connection == s.Source.Connection && t.Stream == s.Source.Stream {
				l.errorf(t.Pos, index(tpath, i), "target %s is the sync's own source: oneway never writes to a source", t.ID())
			}
			if t.Connection != "" && t.Stream != "" {
				if prev, dup := seen[t.ID()]; dup {
					l.errorf(t.Pos, index(tpath, i), "target %s is already written by this sync at line %d", t.ID(), prev.Line)
				}
				seen[t.ID()] = t.Pos
			}
			s.Targets = append(s.Targets, t)
		}
	}
	return s
}

// exprError reports an expression that does not compile, on the line inside the expression when it spans
// several (a block scalar).
func (l *loader) exprError(n *node, path string, err error) {
	pos := n.pos
	var fe *exprfile.Error
	if n.block && errors.As(err, &fe) && fe.Line > 0 {
		pos.Line += fe.Line
		pos.Column = 0
	}
	l.errorf(pos, path, "does not compile: %v", err)
}

// connRef reads the connection of a source or target and returns the open connection to check its
// abilities (nil when it could not be opened, which is reported already).
func (l *loader) connRef(e *entry, parent *node, path string, spec *Spec, conns opened) (string, connector.Conn, bool) {
	name, ok := l.requiredText(e, parent, path, "the name of a connection")
	if !ok {
		return "", nil, false
	}
	if _, exists := spec.Connections[name]; !exists {
		known := make([]string, 0, len(spec.Connections))
		for k := range spec.Connections {
			known = append(known, k)
		}
		sort.Strings(known)
		l.errorf(e.value.pos, path, "unknown connection %q (defined: %s)", name, strings.Join(known, ", "))
		return name, nil, false
	}
	return name, conns[name], true
}

func (l *loader) source(e *entry, syncNode *node, path string, spec *Spec, conns opened) Source {
	src := Source{Detect: DetectSnapshot, BatchSize: DefaultSourceBatchSize}
	if !present(e) {
		l.errorf(syncNode.pos, path, "is required (the connection and stream to read)")
		return src
	}
	m := l.object(e.value, path, "connection", "stream", "key", "detect", "cursor", "lookback", "reconcile_every", "batch_size")
	if m == nil {
		return src
	}
	n := e.value
	name, conn, _ := l.connRef(m["connection"], n, join(path, "connection"), spec, conns)
	src.Connection = name
	src.Stream, _ = l.requiredText(m["stream"], n, join(path, "stream"), "the table, file or resource to read")
	src.Key = l.fieldList(m["key"], join(path, "key"))
	if !present(m["key"]) {
		l.errorf(n.pos, join(path, "key"), "is required (the field or fields that identify a record)")
	}
	detect, detectOK := l.choice(m["detect"], join(path, "detect"), "detect", DetectSnapshot, DetectSnapshot, DetectCursor)
	src.Detect = detect
	src.Cursor = l.fieldList(m["cursor"], join(path, "cursor"))
	src.Lookback = l.duration(m["lookback"], join(path, "lookback"))
	src.ReconcileEvery = l.duration(m["reconcile_every"], join(path, "reconcile_every"))
	src.BatchSize = l.positiveInt(m["batch_size"], join(path, "batch_size"), DefaultSourceBatchSize)
	switch {
	case !detectOK:
	case src.Detect == DetectCursor:
		if !present(m["cursor"]) {
			l.errorf(n.pos, join(path, "cursor"), "is required with detect: cursor (the field or fields whose values grow when a record changes)")
		}
	default:
		for _, k := range []string{"cursor", "lookback", "reconcile_every"} {
			if present(m[k]) {
				l.errorf(m[k].keyPos, join(path, k), "is only used with detect: cursor")
			}
		}
	}
	if conn != nil {
		if _, ok := conn.(connector.Source); !ok {
			l.errorf(m["connection"].value.pos, join(path, "connection"), "connection %q (kind %s) cannot be read from", name, spec.Connections[name].Kind)
		} else if _, ok := conn.(connector.CursorSource); !ok && src.Detect == DetectCursor {
			l.errorf(m["detect"].value.pos, join(path, "detect"), "connection %q (kind %s) cannot read by cursor; use detect: snapshot", name, spec.Connections[name].Kind)
		}
	}
	return src
}

// mapping compiles a sync's map: a mapping of field name to value, where a string is an expression, a
// mapping a nested object, a list a list, and any other scalar a constant.
func (l *loader) mapping(n *node, path string) *expr.Mapping {
	if n.kind != mapNode || len(n.entries) == 0 {
		l.errorf(n.pos, path, "must be a mapping of target field to expression, not %s", n.describe())
		return nil
	}
	fields, ok := l.mapFields(n, path)
	if !ok {
		return nil
	}
	m, err := expr.NewMapping(fields...)
	if err != nil {
		l.errorf(n.pos, path, "%v", err)
		return nil
	}
	return m
}

func (l *loader) mapFields(n *node, path string) ([]expr.Field, bool) {
	fields := make([]expr.Field, 0, len(n.entries))
	ok := true
	for _, e := range n.entries {
		p := join(path, e.key)
		if strings.TrimSpace(e.key) == "" {
			l.errorf(e.keyPos, p, "a field name must not be empty")
			ok = false
			continue
		}
		v, vok := l.mapValue(e.value, p)
		ok = ok && vok
		fields = append(fields, expr.Field{Name: e.key, Value: v})
	}
	return fields, ok
}

func (l *loader) mapValue(n *node, path string) (expr.Value, bool) {
	switch n.kind {
	case mapNode:
		fields, ok := l.mapFields(n, path)
		if !ok {
			return expr.Value{}, false
		}
		v, err := expr.ObjectValue(fields...)
		if err != nil {
			l.errorf(n.pos, path, "%v", err)
			return expr.Value{}, false
		}
		return v, true
	case seqNode:
		items := make([]expr.Value, len(n.items))
		ok := true
		for i, item := range n.items {
			v, vok := l.mapValue(item, index(path, i))
			ok = ok && vok
			items[i] = v
		}
		return expr.ListValue(items...), ok
	}
	if src, isText := n.value.(string); isText {
		v, err := expr.CompileValue(src)
		if err != nil {
			l.exprError(n, path, err)
			return expr.Value{}, false
		}
		return v, true
	}
	v, err := expr.ConstValue(n.value)
	if err != nil {
		l.errorf(n.pos, path, "%v", err)
		return expr.Value{}, false
	}
	return v, true
}

func (l *loader) target(n *node, path string, s *Sync, spec *Spec, conns opened) *Target {
	m := l.object(n, path, "connection", "stream", "key", "mode", "on_delete", "soft_delete", "max_delete_ratio", "batch_size",
		"create_table", "options", "match", "delivery", "rate_limit", "write_timeout")
	if m == nil {
		return nil
	}
	t := &Target{Pos: n.pos, Options: connector.Settings{}}
	name, conn, _ := l.connRef(m["connection"], n, join(path, "connection"), spec, conns)
	t.Connection = name
	if conn != nil {
		if _, ok := conn.(connector.Target); !ok {
			l.errorf(m["connection"].value.pos, join(path, "connection"), "connection %q (kind %s) cannot be written to", name, spec.Connections[name].Kind)
		}
	}
	t.Stream, _ = l.requiredText(m["stream"], n, join(path, "stream"), "the table, file or resource to write")
	t.Key = l.targetKey(m["key"], n, join(path, "key"), s)
	mode, modeOK := l.choice(m["mode"], join(path, "mode"), "mode", ModeMirror, ModeMirror, ModeUpsert, ModeUpdate, ModeCreate, ModeAppend)
	t.Mode = mode
	t.BatchSize = l.positiveInt(m["batch_size"], join(path, "batch_size"), DefaultTargetBatchSize)
	t.MaxDeleteRatio = l.ratio(m["max_delete_ratio"], join(path, "max_delete_ratio"), DefaultMaxDeleteRatio)
	l.targetOptions(m, path, t)
	if present(m["match"]) {
		t.Match = l.producedFields(m["match"], join(path, "match"), s)
	}
	t.Delivery, _ = l.choice(m["delivery"], join(path, "delivery"), "delivery", DeliveryAtLeastOnce, DeliveryAtLeastOnce, DeliveryAtMostOnce)
	t.RateLimit = l.rate(m["rate_limit"], join(path, "rate_limit"))
	t.WriteTimeout = DefaultWriteTimeout
	if present(m["write_timeout"]) {
		if d := l.duration(m["write_timeout"], join(path, "write_timeout")); d > 0 {
			t.WriteTimeout = d
		}
	}
	// The remaining checks depend on mode and on_delete; after a wrong value they would only add noise.
	onDeleteOK := modeOK
	switch {
	case !modeOK:
	case t.Mode == ModeMirror:
		t.OnDelete, onDeleteOK = l.choice(m["on_delete"], join(path, "on_delete"), "on_delete", OnDeleteDelete, OnDeleteDelete, OnDeleteSoft, OnDeleteIgnore)
	default:
		for _, k := range []string{"on_delete", "max_delete_ratio"} {
			if present(m[k]) {
				l.errorf(m[k].keyPos, join(path, k), "is only used with mode: mirror (this target's mode is %s, which never removes records)", t.Mode)
			}
		}
	}
	if onDeleteOK {
		l.softDelete(m["soft_delete"], n, join(path, "soft_delete"), t)
	}
	return t
}

// targetKey reads a target's key. Without a map the target holds the source's fields, so the source key
// is the default. With a map the default is the source key only when the map produces fields of the same
// names; otherwise the key must be given, and every key field must be one the map produces.
func (l *loader) targetKey(e *entry, n *node, path string, s *Sync) []string {
	if present(e) {
		return l.producedFields(e, path, s)
	}
	if s.Map == nil {
		return s.Source.Key
	}
	var missing []string
	for _, f := range s.Source.Key {
		if !contains(s.Map.Fields(), f) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		l.errorf(n.pos, path, "is required because the map does not produce the source key field %s; list the mapped fields that identify a record in the target", strings.Join(missing, ", "))
		return nil
	}
	return s.Source.Key
}

// producedFields reads a list of target field names, which must be fields the map produces.
func (l *loader) producedFields(e *entry, path string, s *Sync) []string {
	fields := l.fieldList(e, path)
	if s.Map != nil {
		produced := s.Map.Fields()
		for _, f := range fields {
			if !contains(produced, f) {
				l.errorf(e.value.pos, path, "field %q is not produced by the map (it produces %s)", f, strings.Join(produced, ", "))
			}
		}
	}
	return fields
}

func (l *loader) softDelete(e *entry, n *node, path string, t *Target) {
	switch {
	case t.OnDelete == OnDeleteSoft && !present(e):
		l.errorf(n.pos, path, "is required with on_delete: soft (the fields to set on a removed record, such as {active: false})")
	case t.OnDelete != OnDeleteSoft && present(e):
		l.errorf(e.keyPos, path, "is only used with on_delete: soft")
	case present(e):
		if e.value.kind != mapNode || len(e.value.entries) == 0 {
			l.errorf(e.value.pos, path, "must be a mapping of field to value, such as {active: false}, not %s", e.value.describe())
			return
		}
		rec := connector.Record{}
		for _, fe := range e.value.entries {
			p := join(path, fe.key)
			if contains(t.Key, fe.key) {
				l.errorf(fe.keyPos, p, "a soft delete must not change the key field %q", fe.key)
				continue
			}
			v, err := connector.Normalize(l.plain(fe.value, p, false))
			if err != nil {
				l.errorf(fe.value.pos, p, "%v", err)
				continue
			}
			rec[fe.key] = v
		}
		t.SoftDelete = rec
	}
}

// targetOptions gathers create_table and the keys under options: for the connector's OpenWriter.
func (l *loader) targetOptions(m map[string]*entry, path string, t *Target) {
	if e := m["create_table"]; present(e) {
		if b, ok := e.value.value.(bool); ok {
			t.Options["create_table"] = b
		} else {
			l.errorf(e.value.pos, join(path, "create_table"), "must be true or false, not %s", e.value.describe())
		}
	}
	e := m["options"]
	if !present(e) {
		return
	}
	if e.value.kind != mapNode {
		l.errorf(e.value.pos, join(path, "options"), "must be a mapping of the connector's write options, not %s", e.value.describe())
		return
	}
	for _, oe := range e.value.entries {
		p := join(path, "options."+oe.key)
		if _, dup := t.Options[oe.key]; dup {
			l.errorf(oe.keyPos, p, "%s is already set on the target; set it once", oe.key)
			continue
		}
		t.Options[oe.key] = l.plain(oe.value, p, true)
	}
}
