package slack

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const bot = "xoxb-test-token"

func start(t *testing.T, opts Options) (*Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	opts.BotToken = bot
	opts.Now = clk.Now
	return sandboxtest.Start(t, New, opts), clk
}

// post sends body to target with auth (when not empty) as the Bearer token.
func post(t *testing.T, target, contentType, auth, body string) sandboxtest.Reply {
	t.Helper()
	return sandboxtest.Do(t, http.MethodPost, target, body, sandboxtest.Headers(map[string]string{"Content-Type": contentType}), sandboxtest.Bearer(auth))
}

type apiReply struct {
	OK      bool
	Error   string
	Channel string
	TS      string
	Message map[string]any
}

func api(t *testing.T, s *Server, auth, body string) (sandboxtest.Reply, apiReply) {
	t.Helper()
	r := post(t, s.APIURL()+"/chat.postMessage", "application/json; charset=utf-8", auth, body)
	var a apiReply
	r.Decode(t, &a)
	return r, a
}

func TestPostMessage(t *testing.T) {
	s, clk := start(t, Options{})
	id := s.AddChannel("leads")
	s.AddChannel("old")
	if err := s.ArchiveChannel("old"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, auth, body, err string
	}{
		{"no token", "", `{"channel":"leads","text":"x"}`, "not_authed"},
		{"wrong token", "xoxb-nope", `{"channel":"leads","text":"x"}`, "invalid_auth"},
		{"unknown channel", bot, `{"channel":"#nope","text":"x"}`, "channel_not_found"},
		{"archived", bot, `{"channel":"old","text":"x"}`, "is_archived"},
		{"no text", bot, `{"channel":"leads"}`, "no_text"},
		{"bad blocks", bot, `{"channel":"leads","blocks":[{"text":"no type"}]}`, "invalid_blocks"},
		{"too long", bot, `{"channel":"leads","text":"` + strings.Repeat("a", 40001) + `"}`, "msg_too_long"},
		{"ok by name", bot, `{"channel":"#leads","text":"New lead: Ada","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*Ada*"}}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, a := api(t, s, tt.auth, tt.body)
			if r.Status != 200 || a.OK != (tt.err == "") || a.Error != tt.err {
				t.Fatalf("%d %s, want ok=%t error %q", r.Status, r.Body, tt.err == "", tt.err)
			}
			if a.OK && (a.Channel != id || a.TS == "" || a.Message["text"] != "New lead: Ada" || a.Message["blocks"] == nil) {
				t.Fatalf("success body %s", r.Body)
			}
		})
	}
	msgs := s.Messages("leads")
	if len(msgs) != 1 || msgs[0].Via != "chat.postMessage" || !strings.Contains(string(msgs[0].Blocks), "section") {
		t.Fatalf("recorded %+v", msgs)
	}
	// A second message in the same second is over the documented 1/s per channel.
	r, a := api(t, s, bot, `{"channel":"`+id+`","text":"second"}`)
	if r.Status != http.StatusTooManyRequests || a.Error != "ratelimited" || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("burst: %d %s Retry-After %q", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if n := len(s.Messages(id)); n != 1 {
		t.Fatalf("rate-limited message was recorded: %d messages", n)
	}
	clk.Add(time.Second)
	form := url.Values{"token": {bot}, "channel": {"leads"}, "text": {"third"}}
	fr := post(t, s.APIURL()+"/chat.postMessage", "application/x-www-form-urlencoded", "", form.Encode())
	if !strings.Contains(string(fr.Body), `"ok":true`) {
		t.Fatalf("form post after 1s: %s", fr.Body)
	}
	if msgs := s.Messages("#leads"); len(msgs) != 2 || msgs[1].Text != "third" || msgs[1].TS <= msgs[0].TS {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestIncomingWebhook(t *testing.T) {
	s, clk := start(t, Options{})
	s.AddChannel("leads")
	hook, err := s.AddWebhook("leads")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, target, ctype, body string
		status                    int
		want                      string
	}{
		{"unknown hook", s.URL() + "/services/T1/B1/nope", "application/json", `{"text":"x"}`, 404, "no_service"},
		{"invalid json", hook, "application/json", `{"text":`, 400, "invalid_payload"},
		{"no text", hook, "application/json", `{}`, 400, "no_text"},
		{"ok", hook, "application/json", `{"text":"hello"}`, 200, "ok"},
		{"rate limited", hook, "application/json", `{"text":"again"}`, 429, "rate_limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, tt.target, tt.ctype, "", tt.body)
			if r.Status != tt.status || string(r.Body) != tt.want {
				t.Fatalf("%d %q, want %d %q", r.Status, r.Body, tt.status, tt.want)
			}
		})
	}
	clk.Add(1500 * time.Millisecond)
	form := url.Values{"payload": {`{"blocks":[{"type":"divider"}]}`}}
	if r := post(t, hook, "application/x-www-form-urlencoded", "", form.Encode()); r.Status != 200 {
		t.Fatalf("form payload: %d %s", r.Status, r.Body)
	}
	msgs := s.Messages("leads")
	if len(msgs) != 2 || msgs[0].Text != "hello" || msgs[0].Via != "webhook" || msgs[1].Blocks == nil {
		t.Fatalf("messages %+v", msgs)
	}
	if err := s.ArchiveChannel("leads"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	if r := post(t, hook, "application/json", "", `{"text":"x"}`); r.Status != 410 || string(r.Body) != "channel_is_archived" {
		t.Fatalf("archived: %d %q", r.Status, r.Body)
	}
}

func TestFaultsAndUnlimited(t *testing.T) {
	s, _ := start(t, Options{PerChannelRate: -1})
	s.AddChannel("leads")
	s.Faults.Throttle(1, 30*time.Second)
	s.Faults.FailNext(1, 500)
	r, a := api(t, s, bot, `{"channel":"leads","text":"1"}`)
	if r.Status != 429 || a.Error != "ratelimited" || r.Header.Get("Retry-After") != "30" {
		t.Fatalf("throttled: %d %s", r.Status, r.Body)
	}
	if r, _ := api(t, s, bot, `{"channel":"leads","text":"1"}`); r.Status != 500 {
		t.Fatalf("failure: %d", r.Status)
	}
	for i := range 5 {
		if _, a := api(t, s, bot, `{"channel":"leads","text":"burst"}`); !a.OK {
			t.Fatalf("unlimited burst message %d: %+v", i, a)
		}
	}
	if n := len(s.Messages("leads")); n != 5 {
		t.Fatalf("%d messages, want 5 (throttled and failed requests post nothing)", n)
	}
	if n := s.Journal.Count(http.MethodPost, "/api/chat.postMessage"); n != 7 {
		t.Fatalf("journal: %d requests, want 7", n)
	}
}
