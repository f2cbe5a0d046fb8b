package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// loader collects every problem of one configuration file.
type loader struct {
	file    string // as the user named it, for positions
	errs    Errors
	secrets secrets
}

func (l *loader) errorf(pos Pos, path, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// object returns the entries of mapping n by key, reporting n if it is not a mapping and every key that is
// not in known. A nil result means n was not a mapping.
func (l *loader) object(n *node, path string, known ...string) map[string]*entry {
	if n.kind != mapNode {
		l.errorf(n.pos, path, "must be a mapping with the keys %s, not %s", strings.Join(known, ", "), n.describe())
		return nil
	}
	out := make(map[string]*entry, len(n.entries))
	for _, e := range n.entries {
		if !contains(known, e.key) {
			l.errorf(e.keyPos, join(path, e.key), "unknown key %q (known: %s)", e.key, strings.Join(known, ", "))
			continue
		}
		out[e.key] = e
	}
	return out
}

// present reports whether e holds a value; a key set to nothing (`filter:`) counts as absent.
func present(e *entry) bool { return e != nil && e.value.kind != nullNode }

// text returns the string value of e; ok is false when e is absent or (after reporting it) not text.
func (l *loader) text(e *entry, path string) (string, bool) {
	if !present(e) {
		return "", false
	}
	s, isText := e.value.value.(string)
	if e.value.kind != scalarNode || !isText {
		l.errorf(e.value.pos, path, "must be text, not %s", e.value.describe())
		return "", false
	}
	return s, true
}

// requiredText is text that must be present and non-empty; parent locates the report when it is missing.
func (l *loader) requiredText(e *entry, parent *node, path, what string) (string, bool) {
	if !present(e) {
		l.errorf(parent.pos, path, "is required (%s)", what)
		return "", false
	}
	s, ok := l.text(e, path)
	if ok && strings.TrimSpace(s) == "" {
		l.errorf(e.value.pos, path, "must not be empty (%s)", what)
		return "", false
	}
	return s, ok
}

// fieldList reads a list of field names, also accepted as a single name (`key: id`). Names must be
// non-empty and distinct.
func (l *loader) fieldList(e *entry, path string) []string {
	if !present(e) {
		return nil
	}
	var items []*node
	switch e.value.kind {
	case scalarNode:
		items = []*node{e.value}
	case seqNode:
		items = e.value.items
	default:
		l.errorf(e.value.pos, path, "must be a field name or a list of field names, not %s", e.value.describe())
		return nil
	}
	if len(items) == 0 {
		l.errorf(e.value.pos, path, "must list at least one field")
		return nil
	}
	names := make([]string, 0, len(items))
	for i, item := range items {
		p := path
		if e.value.kind == seqNode {
			p = index(path, i)
		}
		s, isText := item.value.(string)
		switch {
		case item.kind != scalarNode || !isText:
			l.errorf(item.pos, p, "must be a field name, not %s", item.describe())
			return nil
		case strings.TrimSpace(s) == "":
			l.errorf(item.pos, p, "a field name must not be empty")
			return nil
		case contains(names, s):
			l.errorf(item.pos, p, "field %q is listed twice", s)
			return nil
		}
		names = append(names, s)
	}
	return names
}

// choice reads one of the allowed values, or def when e is absent. ok is false when the value was
// reported as wrong, so that checks depending on it can keep quiet.
func (l *loader) choice(e *entry, path, what, def string, allowed ...string) (string, bool) {
	if !present(e) {
		return def, true
	}
	s, ok := l.text(e, path)
	if !ok {
		return def, false
	}
	if !contains(allowed, s) {
		l.errorf(e.value.pos, path, "unknown %s %q (want %s)", what, s, orList(allowed))
		return def, false
	}
	return s, true
}

// orList renders "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func (l *loader) duration(e *entry, path string) time.Duration {
	if !present(e) {
		return 0
	}
	s, isText := e.value.value.(string)
	if e.value.kind != scalarNode || !isText {
		l.errorf(e.value.pos, path, "must be a duration such as 10m or 24h, not %s", e.value.describe())
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		l.errorf(e.value.pos, path, "%q is not a duration such as 90s, 10m or 24h", s)
		return 0
	}
	return d
}

func (l *loader) positiveInt(e *entry, path string, def int) int {
	if !present(e) {
		return def
	}
	switch v := e.value.value.(type) {
	case int64:
		if v > 0 && v <= 1<<31 {
			return int(v)
		}
	case uint64:
	default:
		l.errorf(e.value.pos, path, "must be a whole number, not %s", e.value.describe())
		return def
	}
	l.errorf(e.value.pos, path, "must be between 1 and %d", 1<<31)
	return def
}

func (l *loader) ratio(e *entry, path string, def float64) float64 {
	if !present(e) {
		return def
	}
	var f float64
	switch v := e.value.value.(type) {
	case int64:
		f = float64(v)
	case uint64:
		f = float64(v)
	case float64:
		f = v
	default:
		l.errorf(e.value.pos, path, "must be a number between 0 and 1, not %s", e.value.describe())
		return def
	}
	if !(f >= 0 && f <= 1) {
		l.errorf(e.value.pos, path, "must be between 0 and 1 (a share of the target's records), not %v", f)
		return def
	}
	return f
}

// namePattern allows NAME@TENANT, the names of tenants' instances of connections and syncs.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(@[a-z0-9][a-z0-9_-]*)?$`)

// checkName reports a sync or connection name that is not made of lowercase letters, digits, _ and -.
func (l *loader) checkName(name string, pos Pos, path, what string) bool {
	if !namePattern.MatchString(name) {
		l.errorf(pos, path, "%s name %q must be lowercase letters, digits, _ and -, starting with a letter or digit", what, name)
		return false
	}
	return true
}

// plain converts n to what YAML decodes to (string, bool, int64, uint64, float64, []any,
// map[string]any, nil), resolving secrets in every string when resolve is set.
func (l *loader) plain(n *node, path string, resolve bool) any {
	switch n.kind {
	case nullNode:
		return nil
	case mapNode:
		m := make(map[string]any, len(n.entries))
		for _, e := range n.entries {
			m[e.key] = l.plain(e.value, join(path, e.key), resolve)
		}
		return m
	case seqNode:
		list := make([]any, len(n.items))
		for i, item := range n.items {
			list[i] = l.plain(item, index(path, i), resolve)
		}
		return list
	}
	s, isText := n.value.(string)
	if !isText || !resolve {
		return n.value
	}
	v, err := l.secrets.resolve(s)
	if err != nil {
		l.errorf(n.pos, path, "%v", err)
		return nil
	}
	return v
}

// rate reads a rate limit such as "50/s", "600/m" or "3600/h" and returns it per second; 0 when absent.
func (l *loader) rate(e *entry, path string) float64 {
	if !present(e) {
		return 0
	}
	text, ok := l.text(e, path)
	if !ok {
		return 0
	}
	num, unit, found := strings.Cut(strings.TrimSpace(text), "/")
	per := map[string]float64{"s": 1, "m": 60, "h": 3600}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if !found || per == 0 || err != nil || n <= 0 {
		l.errorf(e.value.pos, path, "must be a rate such as 50/s, 600/m or 3600/h, not %q", text)
		return 0
	}
	return n / per
}
