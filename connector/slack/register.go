package slack

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
	"github.com/onewaysync/oneway/connector/httpclient"
)

const defaultAPIURL = "https://slack.com/api"

// Register adds the kind "slack" to r. Settings (webhook_url, or token):
//
//	webhook_url       string    an incoming webhook URL (a secret, never printed)
//	token             string    a bot token (xoxb-...) for chat.postMessage (a secret, never printed)
//	channel           string    with token: the channel of the stream "messages" (an ID such as C0123 or #name)
//	api_url           string    the Web API base URL (default https://slack.com/api; for tests)
//	allow_link_local  bool      allow link-local and cloud metadata addresses (default false)
//	timeout           duration  bound of one HTTP request (default 30s)
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "slack", New: New})
}

// New parses settings and returns a connection. It makes no request.
func New(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("allow_link_local", "api_url", "channel", "timeout", "token", "webhook_url"); err != nil {
		return nil, err
	}
	webhook, err := s.String("webhook_url", "")
	if err != nil {
		return nil, err
	}
	token, err := s.String("token", "")
	if err != nil {
		return nil, err
	}
	channel, err := s.String("channel", "")
	if err != nil {
		return nil, err
	}
	apiURL, err := s.String("api_url", defaultAPIURL)
	if err != nil {
		return nil, err
	}
	// max_response_bytes is not among the keys Check accepts: ClientOptions keeps its default.
	opts, err := rest.ClientOptions(s)
	if err != nil {
		return nil, err
	}
	c := &Conn{channel: channel, token: token, webhook: webhook}
	switch {
	case webhook != "" && token != "":
		return nil, &connector.SettingError{Key: "token", Err: errors.New("set webhook_url or token, not both")}
	case webhook == "" && token == "":
		return nil, &connector.SettingError{Key: "token", Err: errors.New("is required (a bot token for chat.postMessage), unless webhook_url is set")}
	case webhook != "":
		if err := checkURL(webhook); err != nil {
			return nil, &connector.SettingError{Key: "webhook_url", Err: err}
		}
		if channel != "" {
			return nil, &connector.SettingError{Key: "channel", Err: errors.New("an incoming webhook posts to the channel it was created for; remove channel or use a bot token")}
		}
		c.secrets = append(c.secrets, webhook)
		if u, err := url.Parse(webhook); err == nil {
			c.secrets = append(c.secrets, u.Path, u.EscapedPath())
		}
	default:
		if err := checkURL(apiURL); err != nil {
			return nil, &connector.SettingError{Key: "api_url", Err: err}
		}
		c.apiURL = strings.TrimRight(apiURL, "/")
	}
	if token != "" {
		c.secrets = append(c.secrets, token)
	}
	c.client = httpclient.New(opts)
	c.log = env.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.limits = newLimits(time.Second)
	return c, nil
}

// checkURL accepts absolute http(s) URLs. Its value is never quoted: a webhook URL is a credential.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an https URL")
	case u.Host == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("must not hold credentials")
	}
	return nil
}
