package connector

import (
	"fmt"
	"log/slog"
	"sort"
)

// Env is what a connection may know of its surroundings.
type Env struct {
	// BaseDir is the directory of the configuration file; relative paths in settings resolve against it.
	BaseDir string
	// Name is the connection's name in the configuration, for messages.
	Name string
	// Logger is the logger to use; never nil when the engine opens a connection.
	Logger *slog.Logger
}

// Kind describes one connection kind.
type Kind struct {
	// Name is the value of `kind:` in the configuration.
	Name string
	// New parses and checks settings and returns a connection. It must not touch the outside world (no
	// file created, no network): `oneway validate` calls it. Connecting happens on first use. Errors
	// about a setting should be *SettingError so that the configuration can point at its line.
	New func(s Settings, env Env) (Conn, error)
}

// Registry maps kind names to kinds. It is built explicitly (no global state) so tests can build their own.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]Kind{}} }

// Register adds k; registering a name twice panics, as it is a programming error.
func (r *Registry) Register(k Kind) {
	if _, dup := r.kinds[k.Name]; dup {
		panic("connector: kind registered twice: " + k.Name)
	}
	r.kinds[k.Name] = k
}

// Lookup returns the kind registered under name.
func (r *Registry) Lookup(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Names returns the registered kind names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open creates a connection of the named kind.
func (r *Registry) Open(kind string, s Settings, env Env) (Conn, error) {
	k, ok := r.kinds[kind]
	if !ok {
		return nil, fmt.Errorf("unknown connection kind %q (known: %v)", kind, r.Names())
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	return k.New(s, env)
}
