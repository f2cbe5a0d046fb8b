package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// Defaults applied by Load.
const (
	DefaultState           = ".oneway/state.db"
	DefaultSourceBatchSize = 1000
	DefaultTargetBatchSize = 500
	DefaultMaxDeleteRatio  = 0.5
	DefaultWriteTimeout    = 5 * time.Minute
)

// Load reads, checks and resolves the configuration at path. Connection kinds are looked up in reg, and
// each connection is opened once (connectors do no I/O in New) so that it checks its own settings, then
// closed. Secret references are resolved from the environment and from files.
//
// Every error Load returns is an Errors holding each problem found, in file order; positions name path as
// given.
func Load(path string, reg *connector.Registry) (*Spec, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Errors{{Pos: Pos{File: path}, Msg: fmt.Sprintf("cannot resolve the path: %v", err)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{Pos: Pos{File: path}, Msg: fmt.Sprintf("cannot read the configuration: %v", err)}}
	}
	l := &loader{file: path, secrets: secrets{dir: filepath.Dir(abs)}}
	spec := l.load(abs, data, reg)
	if len(l.errs) > 0 {
		l.errs.sort()
		return nil, l.errs
	}
	return spec, nil
}

func (l *loader) load(abs string, data []byte, reg *connector.Registry) *Spec {
	root, perr := parseTree(l.file, data)
	if perr != nil {
		l.errs = append(l.errs, perr)
		return nil
	}
	if root == nil {
		l.errorf(Pos{File: l.file}, "", "the configuration is empty: it needs connections and syncs")
		return nil
	}
	top := l.object(root, "", "state", "tenants", "connections", "syncs", "server")
	if top == nil {
		return nil
	}
	owners := l.expandTenants(root, l.tenants(top["tenants"], filepath.Dir(abs)))
	spec := &Spec{
		Path:        abs,
		Dir:         filepath.Dir(abs),
		State:       filepath.Join(filepath.Dir(abs), DefaultState),
		Connections: map[string]*Connection{},
	}
	if s, ok := l.text(top["state"], "state"); ok {
		if strings.TrimSpace(s) == "" {
			l.errorf(top["state"].value.pos, "state", "must not be empty; leave it out for %s beside the configuration", DefaultState)
		} else if filepath.IsAbs(s) {
			spec.State = filepath.Clean(s)
		} else {
			spec.State = filepath.Join(spec.Dir, s)
		}
	}

	conns := l.connections(top["connections"], root, spec, reg)
	defer conns.close(l, spec)
	l.syncs(top["syncs"], root, spec, conns)
	l.server(top["server"]) // checked here; LoadServe (server.go) keeps it
	for _, sy := range spec.Syncs {
		if t, ok := owners[sy.Name]; ok {
			sy.Tenant, sy.Template, sy.TenantFields = t.name, strings.TrimSuffix(sy.Name, "@"+t.name), l.tenantFields(t)
		}
	}
	l.errs = l.errs.unique()
	spec.secrets = l.secrets.values
	return spec
}

// opened holds the connections opened to check their settings, to check what each can do (read, write,
// read by cursor) against how the syncs use it.
type opened map[string]connector.Conn

func (o opened) close(l *loader, spec *Spec) {
	names := make([]string, 0, len(o))
	for name := range o {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := o[name].Close(); err != nil {
			l.errorf(spec.Connections[name].Pos, "connections."+name, "closing after the check: %s", redact(l.secrets.values, err.Error()))
		}
	}
}

func (l *loader) connections(e *entry, root *node, spec *Spec, reg *connector.Registry) opened {
	conns := opened{}
	if !present(e) {
		l.errorf(root.pos, "connections", "is required (name each system to read or write, with its kind)")
		return conns
	}
	if e.value.kind != mapNode {
		l.errorf(e.value.pos, "connections", "must be a mapping of connection name to settings, not %s", e.value.describe())
		return conns
	}
	for _, ce := range e.value.entries {
		c, conn := l.connection(ce, spec.Dir, reg)
		if c == nil {
			continue
		}
		spec.Connections[c.Name] = c
		if conn != nil {
			conns[c.Name] = conn
		}
	}
	return conns
}

// connection reads one connection and opens it. It returns a nil Connection when the entry is too broken
// to refer to, and a nil Conn when the connection could not be opened (the problem is reported).
func (l *loader) connection(e *entry, dir string, reg *connector.Registry) (*Connection, connector.Conn) {
	name := e.key
	path := "connections." + name
	l.checkName(name, e.keyPos, path, "connection")
	c := &Connection{Name: name, Pos: e.keyPos, Settings: connector.Settings{}}
	n := e.value
	if n.kind != mapNode {
		l.errorf(n.pos, path, "must be a mapping with kind and the connection's settings, not %s", n.describe())
		return c, nil
	}
	before := len(l.errs)
	kind, ok := l.requiredText(n.get("kind"), n, join(path, "kind"), "the kind of system: "+strings.Join(reg.Names(), ", "))
	if ok {
		c.Kind = kind
		if _, known := reg.Lookup(kind); !known {
			l.errorf(n.get("kind").value.pos, join(path, "kind"), "unknown connection kind %q (known: %s)", kind, strings.Join(reg.Names(), ", "))
		}
	}
	for _, se := range n.entries {
		if se.key != "kind" {
			c.Settings[se.key] = l.plain(se.value, join(path, se.key), true)
		}
	}
	if len(l.errs) > before {
		return c, nil
	}
	conn, err := reg.Open(kind, c.Settings, connector.Env{BaseDir: dir, Name: name})
	if err != nil {
		l.settingError(n, c, err)
		return c, nil
	}
	return c, conn
}

// settingError reports a connector's complaint at the line of the setting it names.
func (l *loader) settingError(n *node, c *Connection, err error) {
	path := "connections." + c.Name
	pos := c.Pos
	msg := err.Error()
	var se *connector.SettingError
	if errors.As(err, &se) {
		msg = se.Err.Error()
		path = join(path, se.Key)
		if e := lookupKey(n, se.Key); e != nil {
			pos = e.keyPos
		}
	}
	l.errorf(pos, path, "%s", redact(l.secrets.values, msg))
}

// lookupKey finds a setting by key, descending into nested mappings for a dotted key ("headers.Auth").
func lookupKey(n *node, key string) *entry {
	if e := n.get(key); e != nil {
		return e
	}
	first, rest, nested := strings.Cut(key, ".")
	if e := n.get(first); nested && e != nil && e.value.kind == mapNode {
		if inner := lookupKey(e.value, rest); inner != nil {
			return inner
		}
		return e
	}
	return nil
}
