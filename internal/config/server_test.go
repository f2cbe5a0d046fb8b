package config

import (
	"strings"
	"testing"
	"time"
)

func loadServe(t *testing.T, src string) (*ServeSpec, error) {
	t.Helper()
	reg, open := testRegistry()
	ss, err := LoadServe(writeConfig(t, src), reg)
	if n := open.Load(); n != 0 {
		t.Errorf("LoadServe left %d connections open", n)
	}
	return ss, err
}

func TestLoadServeDefaults(t *testing.T) {
	ss, err := loadServe(t, base)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Server.Listen != DefaultListen || ss.Server.APIToken != "" || ss.Server.Alerts != nil || ss.Server.ShutdownGrace != DefaultShutdownGrace {
		t.Fatalf("server = %+v", ss.Server)
	}
	svc := ss.Services["s1"]
	if svc == nil || svc.Schedule != nil || svc.Webhook != nil {
		t.Fatalf("service = %+v", svc)
	}
}

func TestLoadServeEverySetting(t *testing.T) {
	t.Setenv("ONEWAY_TEST_TOKEN", "0123456789abcdef-token")
	t.Setenv("ONEWAY_TEST_HOOK", "hook-secret-value")
	t.Setenv("ONEWAY_TEST_SLACK", "https://hooks.slack.example/services/T0/B0/xyz")
	ss, err := loadServe(t, `
		server:
		  listen: 0.0.0.0:9090
		  api_token: ${env:ONEWAY_TEST_TOKEN}
		  shutdown_grace: 5s
		  alerts: {slack_webhook: "${env:ONEWAY_TEST_SLACK}", rejected_share: 0.25}
		connections:
		  src: {kind: fake}
		syncs:
		  - name: every
		    schedule: {every: 5m}
		    webhook: {secret: "${env:ONEWAY_TEST_HOOK}", debounce: 500ms}
		    source: {connection: src, stream: a, key: [id]}
		    targets: [{connection: src, stream: b}]
		  - name: by-cron
		    schedule: {cron: "*/15 8-18 * * mon-fri"}
		    source: {connection: src, stream: a, key: [id]}
		    targets: [{connection: src, stream: c}]
	`)
	if err != nil {
		t.Fatal(err)
	}
	srv := ss.Server
	if srv.Listen != "0.0.0.0:9090" || srv.APIToken != "0123456789abcdef-token" || srv.ShutdownGrace != 5*time.Second {
		t.Fatalf("server = %+v", srv)
	}
	if srv.Alerts == nil || srv.Alerts.SlackWebhook != "https://hooks.slack.example/services/T0/B0/xyz" || srv.Alerts.Webhook != "" || srv.Alerts.RejectedShare != 0.25 {
		t.Fatalf("alerts = %+v", srv.Alerts)
	}
	every := ss.Services["every"]
	if every.Schedule == nil || every.Schedule.Every != 5*time.Minute || every.Schedule.String() != "every 5m0s" {
		t.Fatalf("schedule = %+v", every.Schedule)
	}
	if every.Webhook == nil || every.Webhook.Secret != "hook-secret-value" || every.Webhook.Debounce != 500*time.Millisecond {
		t.Fatalf("webhook = %+v", every.Webhook)
	}
	byCron := ss.Services["by-cron"]
	if byCron.Schedule == nil || byCron.Schedule.Cron == nil || byCron.Webhook != nil {
		t.Fatalf("cron service = %+v", byCron)
	}
	from := time.Date(2026, 3, 6, 18, 50, 0, 0, time.Local) // a Friday evening
	if got, want := byCron.Schedule.Next(from), time.Date(2026, 3, 9, 8, 0, 0, 0, time.Local); !got.Equal(want) {
		t.Fatalf("cron next = %s, want %s", got, want)
	}
	if got := every.Schedule.Next(from); !got.Equal(from.Add(5 * time.Minute)) {
		t.Fatalf("every next = %s", got)
	}
	for _, secret := range []string{"0123456789abcdef-token", "hook-secret-value"} {
		if red := ss.Redact("text " + secret); strings.Contains(red, secret) {
			t.Errorf("%s not redacted: %s", secret, red)
		}
	}
	if red := ss.Redact("POST https://hooks.slack.example/services/T0/B0/xyz failed"); strings.Contains(red, "xyz") {
		t.Errorf("slack URL not redacted: %s", red)
	}
}

func TestLoadServeWebhookPerTenant(t *testing.T) {
	t.Setenv("ACME_HOOK", "acme-hook-secret")
	ss, err := loadServe(t, `
		tenants:
		  - {name: acme, hook: "${env:ACME_HOOK}"}
		  - {name: globex, hook: globex-literal-secret}
		connections:
		  src: {kind: fake}
		syncs:
		  - name: hired
		    tenants: all
		    schedule: {every: 1m}
		    webhook: {secret: "${tenant:hook}"}
		    source: {connection: src, stream: a, key: [id]}
		    targets: [{connection: src, stream: b}]
	`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"hired@acme": "acme-hook-secret", "hired@globex": "globex-literal-secret"} {
		svc := ss.Services[name]
		if svc == nil || svc.Webhook == nil || svc.Webhook.Secret != want || svc.Schedule == nil {
			t.Fatalf("%s: service = %+v", name, svc)
		}
	}
}

func TestLoadServeErrors(t *testing.T) {
	t.Setenv("ONEWAY_TEST_SHORT", "short")
	// withServer puts a server section before base (which then starts at line 1 + len(lines)).
	withServer := func(s string) string { return s + base }
	// withSync adds keys to base's sync (after its name, line 5), so they start at line 6.
	withSync := func(s string) string { return strings.Replace(base, "  - name: s1\n", "  - name: s1\n"+s, 1) }
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"non-loopback without a token", withServer("server:\n  listen: 0.0.0.0:8080\n"),
			[]wantErr{{2, 11, "server.listen", "reachable from other machines, so server.api_token is required"}}},
		{"all interfaces without a token", withServer("server:\n  listen: ':8080'\n"),
			[]wantErr{{2, 11, "server.listen", "server.api_token is required"}}},
		{"bad listen", withServer("server:\n  listen: localhost\n"), []wantErr{{2, 11, "server.listen", "is not host:port"}}},
		{"bad port", withServer("server:\n  listen: 127.0.0.1:99999\n"), []wantErr{{2, 11, "server.listen", "not a number from 0 to 65535"}}},
		{"short token", withServer("server:\n  api_token: ${env:ONEWAY_TEST_SHORT}\n"), []wantErr{{2, 14, "server.api_token", "shorter than 16"}}},
		{"missing token variable", withServer("server:\n  listen: 10.0.0.1:80\n  api_token: ${env:ONEWAY_TEST_UNSET}\n"),
			[]wantErr{{3, 14, "server.api_token", "ONEWAY_TEST_UNSET is not set"}}},
		{"unknown server key", withServer("server:\n  port: 80\n"), []wantErr{{2, 3, "server.port", `unknown key "port"`}}},
		{"alerts without a destination", withServer("server:\n  alerts: {rejected_share: 0.2}\n"), []wantErr{{2, 12, "server.alerts", "needs webhook"}}},
		{"alerts with both", withServer("server:\n  alerts:\n    webhook: https://a.example/x\n    slack_webhook: https://b.example/y\n"),
			[]wantErr{{4, 5, "server.alerts", "not both"}}},
		{"alerts bad url", withServer("server:\n  alerts: {webhook: 'ftp://x'}\n"), []wantErr{{2, 21, "server.alerts.webhook", "http:// or https://"}}},
		{"alerts bad share", withServer("server:\n  alerts: {webhook: 'https://x.example', rejected_share: 2}\n"),
			[]wantErr{{2, 58, "server.alerts.rejected_share", "between 0 and 1"}}},
		{"bad grace", withServer("server:\n  shutdown_grace: soon\n"), []wantErr{{2, 19, "server.shutdown_grace", "not a duration"}}},
		{"schedule with both", withSync("    schedule: {every: 5m, cron: '* * * * *'}\n"), []wantErr{{6, 27, "syncs[0].schedule", "not both"}}},
		{"schedule empty", withSync("    schedule: {}\n"), []wantErr{{6, 15, "syncs[0].schedule", "needs every"}}},
		{"schedule too often", withSync("    schedule: {every: 10ms}\n"), []wantErr{{6, 23, "syncs[0].schedule.every", "at least 1s"}}},
		{"schedule bad duration", withSync("    schedule: {every: often}\n"), []wantErr{{6, 23, "syncs[0].schedule.every", "not a duration"}}},
		{"bad cron", withSync("    schedule: {cron: '*/5 25 * * *'}\n"), []wantErr{{6, 22, "syncs[0].schedule.cron", "hour: 25 is out of range 0-23"}}},
		{"unknown schedule key", withSync("    schedule: {at: '10:00'}\n"), []wantErr{{6, 16, "syncs[0].schedule.at", `unknown key "at"`}}},
		{"webhook without secret", withSync("    webhook: {debounce: 1s}\n"), []wantErr{{6, 15, "syncs[0].webhook.secret", "is required"}}},
		{"webhook empty secret", withSync("    webhook: {secret: ''}\n"), []wantErr{{6, 23, "syncs[0].webhook.secret", "must not be empty"}}},
		{"webhook long debounce", withSync("    webhook: {secret: s, debounce: 2h}\n"), []wantErr{{6, 36, "syncs[0].webhook.debounce", "at most 1h0m0s"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src)
			checkErrors(t, err, tt.want...)
			// LoadServe reports the same, since it loads with Load first.
			_, serr := loadServe(t, tt.src)
			checkErrors(t, serr, tt.want...)
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:80": true, "[::1]:8080": true, "localhost:8080": true, "LocalHost:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.1:80": false, "example.com:80": false, "garbage": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
