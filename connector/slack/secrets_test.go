package slack_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/connector/slack"
)

// Neither the bot token nor the webhook URL (whose path is its secret) appears in any error.
func TestSecretsNeverInErrors(t *testing.T) {
	s := startSlack(t, "sales")
	hook, err := s.AddWebhook("sales")
	if err != nil {
		t.Fatal(err)
	}
	hookPath := hook[strings.Index(hook, "/services/"):]
	const wrongToken = "xoxb-9999-wrong-canary"
	var errs []error
	first := func(conn connector.Conn, stream string) {
		w, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: stream})
		if err != nil {
			errs = append(errs, err)
			return
		}
		results, err := w.Apply(t.Context(), []connector.Change{post(1, connector.Record{"text": "x"})})
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, results[0].Err)
	}

	// A token Slack refuses: ok:false invalid_auth.
	first(connectortest.Open(t, slack.New, connector.Settings{"token": wrongToken, "api_url": s.APIURL()}), "sales")
	if !strings.Contains(errs[0].Error(), "invalid_auth") {
		t.Errorf("refused token: %v, want invalid_auth", errs[0])
	}
	// A webhook that does not exist (404 no_service).
	first(connectortest.Open(t, slack.New, connector.Settings{"webhook_url": s.URL() + hookPath + "x"}), "messages")
	// A webhook on a server that is gone: net/http quotes the URL in its error.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	first(connectortest.Open(t, slack.New, connector.Settings{"webhook_url": gone.URL + hookPath}), "messages")
	// A webhook on a link-local address.
	first(connectortest.Open(t, slack.New, connector.Settings{"webhook_url": "http://169.254.169.254" + hookPath}), "messages")
	// A server that echoes the request back in its error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad request to " + r.URL.Path + " with " + r.Header.Get("Authorization")))
	}))
	defer echo.Close()
	first(connectortest.Open(t, slack.New, connector.Settings{"webhook_url": echo.URL + hookPath}), "messages")
	first(connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": echo.URL}), "C1")
	// Settings errors.
	for _, bad := range []connector.Settings{
		{"webhook_url": hook, "token": botToken},
		{"webhook_url": "ftp://x" + hookPath},
		{"webhook_url": hook, "channel": "#x"},
		{"token": botToken, "api_url": "not a url " + botToken},
	} {
		_, err := slack.New(bad, connector.Env{})
		errs = append(errs, err)
	}

	for i, e := range errs {
		if e == nil {
			t.Errorf("error %d is missing", i)
			continue
		}
		for _, secret := range []string{botToken, wrongToken, hook, hookPath, strings.TrimPrefix(hookPath, "/services/")} {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("error %d shows a secret: %v", i, e)
			}
		}
	}
	if !strings.Contains(errs[3].Error(), "link-local") || connector.IsRetryable(errs[3]) {
		t.Errorf("link-local webhook: %v; want a permanent refusal", errs[3])
	}
}

func TestNewChecksSettings(t *testing.T) {
	for _, tc := range []struct {
		settings connector.Settings
		key      string
	}{
		{connector.Settings{}, "token"},
		{connector.Settings{"webhook_url": "https://hooks.slack.com/services/T/B/X", "token": "xoxb"}, "token"},
		{connector.Settings{"webhook_url": "hooks.slack.com/services/T/B/X"}, "webhook_url"},
		{connector.Settings{"webhook_url": "https://hooks.slack.com/services/T/B/X", "channel": "#a"}, "channel"},
		{connector.Settings{"token": "xoxb", "api_url": "slack.com/api"}, "api_url"},
		{connector.Settings{"token": "xoxb", "timeout": "-1s"}, "timeout"},
		{connector.Settings{"token": "xoxb", "text": "{{name}}"}, "text"},
	} {
		_, err := slack.New(tc.settings, connector.Env{})
		se, ok := err.(*connector.SettingError)
		if !ok || se.Key != tc.key {
			t.Errorf("New(%v) = %v; want a SettingError for %s", tc.settings, err, tc.key)
		}
	}
	for _, good := range []connector.Settings{
		{"webhook_url": "https://hooks.slack.com/services/T/B/X"},
		{"token": "xoxb", "channel": "#sales", "allow_link_local": false, "timeout": "5s"},
	} {
		if _, err := slack.New(good, connector.Env{}); err != nil {
			t.Errorf("New(%v): %v", good, err)
		}
	}
	r := connector.NewRegistry()
	slack.Register(r)
	if _, ok := r.Lookup("slack"); !ok {
		t.Error("kind slack is not registered")
	}
}
