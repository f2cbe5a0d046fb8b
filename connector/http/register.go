package http

import (
	"errors"
	"fmt"
	"sort"

	"github.com/onewaysync/oneway/connector"
)

// Register adds the kind "http" to r: a generic JSON REST API as a source (per-stream paths,
// pagination and an optional updated-since parameter) and as a target (a request per change). See
// docs/connectors/http.md for the settings.
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "http", New: New})
}

// New parses settings and returns a *Conn, or a *CursorConn when a stream has updated_since. It makes
// no request.
func New(s connector.Settings, _ connector.Env) (connector.Conn, error) {
	known := append([]string{"basic", "bearer", "headers", "streams", "url"}, ClientSettings...)
	if err := s.Check(known...); err != nil {
		return nil, err
	}
	base, err := s.RequiredString("url")
	if err != nil {
		return nil, err
	}
	auth, err := parseAuth(s)
	if err != nil {
		return nil, err
	}
	opts, err := ClientOptions(s)
	if err != nil {
		return nil, err
	}
	streams, cursor, err := parseStreams(s)
	if err != nil {
		return nil, err
	}
	api, err := NewAPI(base, auth, opts)
	if err != nil {
		return nil, &connector.SettingError{Key: "url", Err: err}
	}
	c := &Conn{api: api, streams: streams}
	if cursor {
		return &CursorConn{c}, nil
	}
	return c, nil
}

// parseAuth reads bearer, basic {username, password} and headers {...}. bearer and basic exclude each
// other; headers combine with either (an API key header, say).
func parseAuth(s connector.Settings) (Auth, error) {
	var auth Auth
	bearer, err := s.String("bearer", "")
	if err != nil {
		return auth, err
	}
	basic, err := Sub(s, "basic")
	if err != nil {
		return auth, err
	}
	switch {
	case bearer != "" && basic != nil:
		return auth, &connector.SettingError{Key: "basic", Err: errors.New("set bearer or basic, not both")}
	case bearer != "":
		auth = BearerAuth(bearer)
	case basic != nil:
		if err := basic.Check("password", "username"); err != nil {
			return auth, Prefix("basic", err)
		}
		user, err := basic.RequiredString("username")
		if err != nil {
			return auth, Prefix("basic", err)
		}
		pass, err := basic.String("password", "")
		if err != nil {
			return auth, Prefix("basic", err)
		}
		auth = BasicAuth(user, pass)
	}
	headers, err := StringMap(s, "headers")
	if err != nil {
		return auth, err
	}
	if len(headers) > 0 {
		auth = auth.WithHeaders(headers)
	}
	return auth, nil
}

func parseStreams(s connector.Settings) (map[string]*stream, bool, error) {
	sub, err := Sub(s, "streams")
	if err != nil {
		return nil, false, err
	}
	names := make([]string, 0, len(sub))
	for name := range sub {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]*stream, len(sub))
	cursor := false
	for _, name := range names {
		ss, err := Sub(sub, name)
		if err != nil {
			return nil, false, Prefix("streams", err)
		}
		if ss == nil {
			return nil, false, &connector.SettingError{Key: "streams." + name, Err: fmt.Errorf("needs at least a path")}
		}
		st, err := parseStream(name, ss)
		if err != nil {
			return nil, false, Prefix("streams."+name, err)
		}
		out[name] = st
		cursor = cursor || st.since != nil
	}
	return out, cursor, nil
}
