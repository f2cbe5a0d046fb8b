package http

import (
	nethttp "net/http"
)

// Auth puts credentials on a request. Its zero value sends none. It never prints its secrets: String
// and GoString redact them, so an Auth inside a struct logged with %v or %#v shows nothing secret.
type Auth struct {
	scheme         string // "", "basic" or "bearer"
	user, password string
	token          string
	headers        map[string]string
}

// BasicAuth returns HTTP Basic credentials.
func BasicAuth(user, password string) Auth {
	return Auth{scheme: "basic", user: user, password: password}
}

// BearerAuth returns an OAuth 2.0 bearer token (RFC 6750).
func BearerAuth(token string) Auth { return Auth{scheme: "bearer", token: token} }

// WithHeaders returns a copy of a that also sets the given headers (API keys sent in a header).
func (a Auth) WithHeaders(h map[string]string) Auth {
	out := a
	out.headers = make(map[string]string, len(a.headers)+len(h))
	for k, v := range a.headers {
		out.headers[k] = v
	}
	for k, v := range h {
		out.headers[k] = v
	}
	return out
}

// Apply sets the credentials on req.
func (a Auth) Apply(req *nethttp.Request) {
	switch a.scheme {
	case "basic":
		req.SetBasicAuth(a.user, a.password)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for k, v := range a.headers {
		req.Header.Set(k, v)
	}
}

func (a Auth) String() string {
	if a.scheme == "" && len(a.headers) == 0 {
		return "no auth"
	}
	return a.scheme + " auth (redacted)"
}

// GoString keeps %#v from printing the fields.
func (a Auth) GoString() string { return a.String() }
