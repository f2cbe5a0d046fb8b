package scim

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Register adds the kind "scim" to r. Settings:
//
//	url               string    the SCIM base URL, e.g. https://app.example.com/scim/v2 (required)
//	token             string    the bearer token (required; a secret, never printed)
//	allow_link_local  bool      allow link-local and cloud metadata addresses (default false)
//	timeout           duration  bound of one HTTP request (default 30s)
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "scim", New: New})
}

// New parses settings and returns a connection. It makes no request: the server is first contacted by a
// read or a write.
func New(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("allow_link_local", "timeout", "token", "url"); err != nil {
		return nil, err
	}
	raw, err := s.RequiredString("url")
	if err != nil {
		return nil, err
	}
	base, err := parseBase(raw)
	if err != nil {
		return nil, &connector.SettingError{Key: "url", Err: err}
	}
	token, err := s.RequiredString("token")
	if err != nil {
		return nil, err
	}
	// max_response_bytes is not among the keys Check accepts: ClientOptions keeps its default.
	opts, err := rest.ClientOptions(s)
	if err != nil {
		return nil, err
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Conn{
		base:   base,
		token:  token,
		client: httpclient.New(opts),
		log:    log,
	}, nil
}

// parseBase checks the base URL and returns it without a trailing slash. Its value is never quoted in the
// error: a URL can carry credentials.
func parseBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", errors.New("is not a valid URL; want the SCIM base URL such as https://app.example.com/scim/v2")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("must be an http or https URL such as https://app.example.com/scim/v2")
	case u.Host == "":
		return "", errors.New("has no host; want the SCIM base URL such as https://app.example.com/scim/v2")
	case u.User != nil:
		return "", errors.New("must not hold credentials; put the bearer token in the token setting")
	case u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("must not have a query or fragment; want the SCIM base URL such as https://app.example.com/scim/v2")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
