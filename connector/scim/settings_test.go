package scim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/scim"
)

func newConn(url, token string) (connector.Conn, error) {
	return scim.New(connector.Settings{"url": url, "token": token}, connector.Env{})
}

func TestNewChecksSettings(t *testing.T) {
	for _, tc := range []struct {
		settings connector.Settings
		key      string
	}{
		{connector.Settings{"token": "t"}, "url"},
		{connector.Settings{"url": "https://x/scim/v2"}, "token"},
		{connector.Settings{"url": "ftp://x/scim", "token": "t"}, "url"},
		{connector.Settings{"url": "/scim/v2", "token": "t"}, "url"},
		{connector.Settings{"url": "https://x/scim/v2?a=b", "token": "t"}, "url"},
		{connector.Settings{"url": "https://u:p@x/scim/v2", "token": "t"}, "url"},
		{connector.Settings{"url": "https://x/scim/v2", "token": "t", "timeout": "0s"}, "timeout"},
		{connector.Settings{"url": "https://x/scim/v2", "token": "t", "allow_link_local": "yes"}, "allow_link_local"},
		{connector.Settings{"url": "https://x/scim/v2", "token": "t", "channel": "x"}, "channel"},
	} {
		_, err := scim.New(tc.settings, connector.Env{})
		var se *connector.SettingError
		if !errors.As(err, &se) || se.Key != tc.key {
			t.Errorf("New(%v) = %v; want a SettingError for %s", tc.settings, err, tc.key)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("the error quotes the URL's credentials: %v", err)
		}
	}
	if _, err := scim.New(connector.Settings{"url": "https://x/scim/v2/", "token": "t", "allow_link_local": true, "timeout": "10s"}, connector.Env{}); err != nil {
		t.Errorf("valid settings: %v", err)
	}
}

func TestRegister(t *testing.T) {
	r := connector.NewRegistry()
	scim.Register(r)
	if _, ok := r.Lookup("scim"); !ok {
		t.Fatal("kind scim is not registered")
	}
}

// The dialer refuses link-local addresses (cloud metadata) unless allow_link_local is set.
func TestLinkLocalRefused(t *testing.T) {
	conn, err := newConn("http://169.254.169.254/scim/v2", "t")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "Users", Key: []string{"userName"}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := w.Apply(t.Context(), []connector.Change{create("a@example.com", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Err == nil || !strings.Contains(r.Err.Error(), "link-local") || connector.IsRetryable(r.Err) {
		t.Errorf("Err = %v; want a permanent refusal of the link-local address", r.Err)
	}
}
