package greenhouse

import (
	"fmt"
	"strconv"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// DefaultURL is the Harvest API's base URL.
const DefaultURL = "https://harvest.greenhouse.io/v1"

// Register adds the kind "greenhouse" to r. Settings:
//
//	token         string    the Harvest API key, sent as the Basic auth user name (required; a secret)
//	url           string    the API base URL (default https://harvest.greenhouse.io/v1)
//	on_behalf_of  id        the Greenhouse user id that writes are made on behalf of (required to write)
//	timeout, max_response_bytes, allow_link_local: as for every HTTP connector
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "greenhouse", New: New})
}

// New parses settings and returns a *Conn. It makes no request.
func New(s connector.Settings, _ connector.Env) (connector.Conn, error) {
	if err := s.Check(append([]string{"on_behalf_of", "token", "url"}, rest.ClientSettings...)...); err != nil {
		return nil, err
	}
	token, err := s.RequiredString("token")
	if err != nil {
		return nil, err
	}
	base, err := s.String("url", DefaultURL)
	if err != nil {
		return nil, err
	}
	obo, err := userID(s, "on_behalf_of")
	if err != nil {
		return nil, err
	}
	opts, err := rest.ClientOptions(s)
	if err != nil {
		return nil, err
	}
	// Harvest: "The username is your Greenhouse API token and the password should be blank."
	api, err := rest.NewAPI(base, rest.BasicAuth(token, ""), opts)
	if err != nil {
		return nil, &connector.SettingError{Key: "url", Err: err}
	}
	api.Throttle = throttle
	return &Conn{api: api, onBehalfOf: obo}, nil
}

// userID reads a Greenhouse user id given as a number or as digits.
func userID(s connector.Settings, key string) (string, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return "", nil
	}
	var id string
	switch x := v.(type) {
	case string:
		id = x
	case int64:
		id = strconv.FormatInt(x, 10)
	case uint64:
		id = strconv.FormatUint(x, 10)
	case int:
		id = strconv.Itoa(x)
	default:
		return "", &connector.SettingError{Key: key, Err: fmt.Errorf("must be a Greenhouse user id, not %T", v)}
	}
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		return "", &connector.SettingError{Key: key, Err: fmt.Errorf("must be a Greenhouse user id (a positive number), not %q", id)}
	}
	return id, nil
}
