package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/cron"
)

// Defaults of `oneway serve`.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultShutdownGrace  = 30 * time.Second
	DefaultDebounce       = 2 * time.Second
	DefaultRejectedShare  = 0.1
	minAPITokenLength     = 16
	minScheduleEvery      = time.Second
	maxWebhookDebounceLen = time.Hour
)

// Server is the top-level `server:` section: how `oneway serve` listens and where it sends alerts.
type Server struct {
	// Listen is host:port; default 127.0.0.1:8080. Anything but a loopback address needs APIToken.
	Listen string
	// APIToken, when set, is the bearer token every API and dashboard request must carry.
	APIToken string
	// ShutdownGrace is how long a running sync may go on after SIGTERM before its context is cancelled.
	ShutdownGrace time.Duration
	// Alerts is nil when no alert destination is configured.
	Alerts *Alerts
}

// Alerts says where status changes of syncs are sent. Exactly one of Webhook and SlackWebhook is set.
type Alerts struct {
	Webhook      string // a URL that receives a JSON document per change
	SlackWebhook string // a Slack incoming-webhook URL ({"text": ...})
	// RejectedShare: a target whose rejected records exceed this share of its records raises an alert.
	RejectedShare float64
}

// Service is what `oneway serve` does with one sync besides running it on demand.
type Service struct {
	Schedule *Schedule // nil: no schedule, only runs on demand and by webhook
	Webhook  *Webhook  // nil: POST /hooks/{sync} is not offered
}

// Schedule is a sync's `schedule:`, either a fixed interval or a cron expression.
type Schedule struct {
	Every time.Duration // > 0 for `every:`
	Cron  *cron.Expr    // non-nil for `cron:` (in the server's local time zone)
}

// Next returns the first time after t at which the schedule fires.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.Cron != nil {
		return s.Cron.Next(t)
	}
	return t.Add(s.Every)
}

// String renders the schedule as configured: "every 5m0s" or "cron */5 * * * *".
func (s *Schedule) String() string {
	if s.Cron != nil {
		return "cron " + s.Cron.String()
	}
	return "every " + s.Every.String()
}

// Webhook is a sync's `webhook:`: the shared secret inbound hooks are signed with, and how long hooks
// are gathered before one run.
type Webhook struct {
	Secret   string
	Debounce time.Duration
}

// ServeSpec is the configuration of `oneway serve`: the Spec every command uses, the server section and
// each sync's service, by sync name (every sync has one).
type ServeSpec struct {
	*Spec
	Server   Server
	Services map[string]*Service
}

// LoadServe loads the configuration at path exactly as Load does (the same checks and errors), then
// reads the settings of `oneway serve` from it.
func LoadServe(path string, reg *connector.Registry) (*ServeSpec, error) {
	spec, err := Load(path, reg)
	if err != nil {
		return nil, err
	}
	// Load checked server: and each sync's schedule: and webhook:, but a Spec has no place for them, so
	// they are read again from the same file.
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{Pos: Pos{File: path}, Msg: fmt.Sprintf("cannot read the configuration: %v", err)}}
	}
	l := &loader{file: path, secrets: secrets{dir: spec.Dir}}
	root, perr := parseTree(path, data)
	if perr != nil {
		return nil, Errors{perr}
	}
	if root == nil || root.kind != mapNode {
		return nil, Errors{{Pos: Pos{File: path}, Msg: "the configuration changed while it was read; try again"}}
	}
	// Tenants' instances of syncs are expanded as Load does, so each gets its own schedule and webhook
	// (a webhook secret may be ${tenant:FIELD}).
	l.expandTenants(root, l.tenants(root.get("tenants"), spec.Dir))
	ss := &ServeSpec{Spec: spec, Server: l.server(root.get("server")), Services: map[string]*Service{}}
	if e := root.get("syncs"); present(e) && e.value.kind == seqNode {
		for i, n := range e.value.items {
			if name, ok := syncName(n); ok {
				ss.Services[name] = l.service(n.get("schedule"), n.get("webhook"), index("syncs", i))
			}
		}
	}
	for _, s := range spec.Syncs {
		if ss.Services[s.Name] == nil {
			return nil, Errors{{Pos: s.Pos, Msg: "the configuration changed while it was read; try again"}}
		}
	}
	if len(l.errs) > 0 {
		l.errs.sort()
		return nil, l.errs
	}
	return ss, nil
}

// syncName returns the name of a sync's node.
func syncName(n *node) (string, bool) {
	if n.kind != mapNode {
		return "", false
	}
	e := n.get("name")
	if !present(e) {
		return "", false
	}
	s, ok := e.value.value.(string)
	return s, ok
}

// server reads the top-level `server:` section; absent, it is the defaults.
func (l *loader) server(e *entry) Server {
	srv := Server{Listen: DefaultListen, ShutdownGrace: DefaultShutdownGrace}
	if !present(e) {
		return srv
	}
	m := l.object(e.value, "server", "listen", "api_token", "shutdown_grace", "alerts")
	if m == nil {
		return srv
	}
	if s, ok := l.text(m["listen"], "server.listen"); ok {
		if err := checkListen(s); err != nil {
			l.errorf(m["listen"].value.pos, "server.listen", "%v", err)
		} else {
			srv.Listen = s
		}
	}
	tokenFailed := false
	if te := m["api_token"]; present(te) {
		before := len(l.errs)
		v, isText := l.plain(te.value, "server.api_token", true).(string)
		tokenFailed = true
		switch {
		case len(l.errs) > before:
		case te.value.kind != scalarNode || !isText:
			l.errorf(te.value.pos, "server.api_token", "must be text, such as ${env:ONEWAY_API_TOKEN}, not %s", te.value.describe())
		case len(v) < minAPITokenLength:
			l.errorf(te.value.pos, "server.api_token", "is shorter than %d characters; use a long random token (such as the output of `openssl rand -hex 32`)", minAPITokenLength)
		default:
			srv.APIToken, tokenFailed = v, false
		}
	}
	if present(m["shutdown_grace"]) {
		srv.ShutdownGrace = l.duration(m["shutdown_grace"], "server.shutdown_grace")
	}
	if srv.APIToken == "" && !tokenFailed && present(m["listen"]) && !IsLoopback(srv.Listen) {
		l.errorf(m["listen"].value.pos, "server.listen", "%s is reachable from other machines, so server.api_token is required (such as api_token: ${env:ONEWAY_API_TOKEN}); or listen on 127.0.0.1", srv.Listen)
	}
	srv.Alerts = l.alerts(m["alerts"])
	return srv
}

// checkListen checks a host:port address.
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port, such as 127.0.0.1:8080", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q of %q is not a number from 0 to 65535", port, s)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q of %q is not a host name or an IP address", host, s)
	}
	return nil
}

// IsLoopback reports whether a host:port address listens on the loopback interface only (localhost,
// 127.0.0.0/8 or ::1). An empty host listens everywhere.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *loader) alerts(e *entry) *Alerts {
	if !present(e) {
		return nil
	}
	const path = "server.alerts"
	m := l.object(e.value, path, "webhook", "slack_webhook", "rejected_share")
	if m == nil {
		return nil
	}
	a := &Alerts{RejectedShare: l.ratio(m["rejected_share"], path+".rejected_share", DefaultRejectedShare)}
	a.Webhook = l.url(m["webhook"], path+".webhook")
	a.SlackWebhook = l.url(m["slack_webhook"], path+".slack_webhook")
	switch {
	case present(m["webhook"]) && present(m["slack_webhook"]):
		l.errorf(m["slack_webhook"].keyPos, path, "set webhook or slack_webhook, not both")
	case !present(m["webhook"]) && !present(m["slack_webhook"]):
		l.errorf(e.value.pos, path, "needs webhook (a URL that receives JSON) or slack_webhook (a Slack incoming-webhook URL)")
	}
	return a
}

// url reads an http(s) URL, which may be a secret reference (a Slack webhook URL is a credential).
func (l *loader) url(e *entry, path string) string {
	if !present(e) {
		return ""
	}
	before := len(l.errs)
	v, isText := l.plain(e.value, path, true).(string)
	if len(l.errs) > before {
		return ""
	}
	if e.value.kind != scalarNode || !isText {
		l.errorf(e.value.pos, path, "must be a URL, not %s", e.value.describe())
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value may be a secret: name the field, not the value.
		l.errorf(e.value.pos, path, "must be an http:// or https:// URL")
		return ""
	}
	return v
}

// service reads a sync's schedule: and webhook:.
func (l *loader) service(sched, hook *entry, path string) *Service {
	return &Service{Schedule: l.schedule(sched, join(path, "schedule")), Webhook: l.webhook(hook, join(path, "webhook"))}
}

func (l *loader) schedule(e *entry, path string) *Schedule {
	if !present(e) {
		return nil
	}
	m := l.object(e.value, path, "every", "cron")
	if m == nil {
		return nil
	}
	switch {
	case present(m["every"]) && present(m["cron"]):
		l.errorf(m["cron"].keyPos, path, "set every or cron, not both")
		return nil
	case present(m["every"]):
		before := len(l.errs)
		d := l.duration(m["every"], join(path, "every"))
		if len(l.errs) > before {
			return nil
		}
		if d < minScheduleEvery {
			l.errorf(m["every"].value.pos, join(path, "every"), "must be at least %s", minScheduleEvery)
			return nil
		}
		return &Schedule{Every: d}
	case present(m["cron"]):
		s, ok := l.text(m["cron"], join(path, "cron"))
		if !ok {
			return nil
		}
		c, err := cron.Parse(s)
		if err != nil {
			l.errorf(m["cron"].value.pos, join(path, "cron"), "%v", err)
			return nil
		}
		return &Schedule{Cron: c}
	}
	if len(m) == len(e.value.entries) { // an unknown key is reported already
		l.errorf(e.value.pos, path, "needs every (such as every: 5m) or cron (such as cron: \"*/5 * * * *\")")
	}
	return nil
}

func (l *loader) webhook(e *entry, path string) *Webhook {
	if !present(e) {
		return nil
	}
	m := l.object(e.value, path, "secret", "debounce")
	if m == nil {
		return nil
	}
	w := &Webhook{Debounce: DefaultDebounce}
	se := m["secret"]
	if !present(se) {
		l.errorf(e.value.pos, join(path, "secret"), "is required (the shared secret hooks are signed with, such as ${env:HOOK_SECRET})")
	} else {
		before := len(l.errs)
		v, isText := l.plain(se.value, join(path, "secret"), true).(string)
		switch {
		case len(l.errs) > before:
		case se.value.kind != scalarNode || !isText:
			l.errorf(se.value.pos, join(path, "secret"), "must be text, such as ${env:HOOK_SECRET}, not %s", se.value.describe())
		case v == "":
			l.errorf(se.value.pos, join(path, "secret"), "must not be empty")
		default:
			w.Secret = v
		}
	}
	if de := m["debounce"]; present(de) {
		before := len(l.errs)
		d := l.duration(de, join(path, "debounce"))
		switch {
		case len(l.errs) > before:
		case d > maxWebhookDebounceLen:
			l.errorf(de.value.pos, join(path, "debounce"), "must be at most %s", maxWebhookDebounceLen)
		default:
			w.Debounce = d
		}
	}
	return w
}
