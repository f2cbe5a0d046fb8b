package fakehttp

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// BasicUser returns the user name of an HTTP Basic Authorization header. The SaaS APIs faked here
// (Greenhouse, BambooHR) put the API key in the user name and ignore the password.
func BasicUser(r *http.Request) (string, bool) {
	user, _, ok := r.BasicAuth()
	return user, ok && user != ""
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header.
func BearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := cutSpace(r.Header.Get("Authorization"))
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// SameSecret compares a presented credential with the expected one in constant time.
func SameSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func cutSpace(s string) (before, after string, found bool) {
	before, after, found = strings.Cut(strings.TrimSpace(s), " ")
	return before, strings.TrimSpace(after), found
}
