package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/connector/slack"
)

func TestPostMessage(t *testing.T) {
	s := startSlack(t, "sales-leads")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	w := openWriter(t, conn, "#sales-leads", "lead_id")
	rec := lead("00Q1", "Ada Lovelace", "CTO", "Analytical Engines <&> Co", "Web")
	r := connectortest.Apply(t, w, post("00Q1", rec))[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	msgs := s.Messages("sales-leads")
	if len(msgs) != 1 {
		t.Fatalf("channel has %d messages, want 1", len(msgs))
	}
	if r.ID == "" || r.ID != msgs[0].TS {
		t.Errorf("Result.ID = %q, want the message ts %q", r.ID, msgs[0].TS)
	}
	if msgs[0].Text != rec["text"] || msgs[0].Via != "chat.postMessage" {
		t.Errorf("message = %+v", msgs[0])
	}
	var blocks any
	if err := json.Unmarshal(msgs[0].Blocks, &blocks); err != nil || !cmp.Equal(blocks, rec["blocks"]) {
		t.Errorf("blocks = %s (%v), want the mapped blocks", msgs[0].Blocks, err)
	}
	req := s.Journal.Requests()[0]
	var body map[string]any
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["lead_id"]; ok || body["channel"] != "#sales-leads" || body["unfurl_links"] != false {
		t.Errorf("request body = %s; want the message fields and the channel, not the key", req.Body)
	}
	if req.Header.Get("Authorization") != "Bearer" || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		t.Errorf("request headers = %v", req.Header)
	}
	if ni, ok := w.(connector.NonIdempotent); !ok || !ni.NonIdempotent() {
		t.Error("the writer must be connector.NonIdempotent: a message sent twice is posted twice")
	}
}

// The stream "messages" means the connection's channel setting; without one it is an error.
func TestChannelSetting(t *testing.T) {
	s := startSlack(t, "general")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL(), "channel": "general"})
	w := openWriter(t, conn, "messages")
	if r := connectortest.Apply(t, w, post(1, connector.Record{"text": "hello"}))[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(s.Messages("general")) != 1 {
		t.Error("the message did not reach the connection's channel")
	}
	bare := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	if _, err := bare.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "messages"}); err == nil || !strings.Contains(err.Error(), "channel") {
		t.Errorf("OpenWriter(messages) without a channel setting: %v", err)
	}
}

func TestWebhook(t *testing.T) {
	s := startSlack(t, "alerts")
	hook, err := s.AddWebhook("alerts")
	if err != nil {
		t.Fatal(err)
	}
	conn := connectortest.Open(t, slack.New, connector.Settings{"webhook_url": hook})
	w := openWriter(t, conn, "messages", "lead_id")
	r := connectortest.Apply(t, w, post("00Q1", lead("00Q1", "Grace Hopper", "Rear Admiral", "US Navy", "Partner")))[0]
	if r.Err != nil || r.ID != "" {
		t.Fatalf("Result = %+v; want success without an id (a webhook returns none)", r)
	}
	if msgs := s.Messages("alerts"); len(msgs) != 1 || msgs[0].Via != "webhook" || !strings.Contains(msgs[0].Text, "Grace Hopper") {
		t.Fatalf("messages = %+v", msgs)
	}
	if _, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "#other"}); err == nil {
		t.Error("a webhook writer accepted a channel as the stream")
	}

	// An archived channel (410 channel_is_archived) fails permanently and stops the batch.
	if err := s.ArchiveChannel("alerts"); err != nil {
		t.Fatal(err)
	}
	results := connectortest.Apply(t, w, post(2, connector.Record{"text": "a"}), post(3, connector.Record{"text": "b"}))
	for i, r := range results {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "channel_is_archived") || connector.IsRetryable(r.Err) {
			t.Errorf("result %d: %v; want the permanent channel_is_archived", i, r.Err)
		}
	}
	if reqs := s.Journal.Requests(); len(reqs) != 2 {
		t.Errorf("%d requests; want the second message of the failed batch not sent", len(reqs))
	}
}

func TestOkFalseIsAnError(t *testing.T) {
	s := startSlack(t, "sales")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})

	// An error about the message itself rejects that record only.
	w := openWriter(t, conn, "sales")
	results := connectortest.Apply(t, w,
		post(1, connector.Record{"text": strings.Repeat("x", 40001)}),
		post(2, connector.Record{"text": "fine"}))
	if err := results[0].Err; err == nil || !strings.Contains(err.Error(), "msg_too_long") || connector.IsRetryable(err) {
		t.Errorf("too long a message: %v; want the permanent msg_too_long", err)
	}
	if results[1].Err != nil {
		t.Errorf("the next message failed too: %v", results[1].Err)
	}

	// An error about the channel stops the batch: the other messages are not sent.
	missing := openWriter(t, conn, "#no-such-channel")
	before := len(s.Journal.Requests())
	results = connectortest.Apply(t, missing, post(3, connector.Record{"text": "a"}), post(4, connector.Record{"text": "b"}))
	for i, r := range results {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "channel_not_found") || connector.IsRetryable(r.Err) {
			t.Errorf("result %d: %v; want the permanent channel_not_found", i, r.Err)
		}
	}
	if sent := len(s.Journal.Requests()) - before; sent != 1 {
		t.Errorf("%d requests for a channel that does not exist; want 1", sent)
	}
}

// HTTP 429 with Retry-After (the documented answer to too many messages) is transient with that wait;
// the rest of the batch waits too, unsent.
func TestRateLimitedIsTransientWithRetryAfter(t *testing.T) {
	s := startSlack(t, "sales")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	w := openWriter(t, conn, "sales")
	s.Faults.Throttle(1, 30*time.Second)
	results := connectortest.Apply(t, w, post(1, connector.Record{"text": "a"}), post(2, connector.Record{"text": "b"}))
	for i, r := range results {
		d, ok := connector.RetryAfterOf(r.Err)
		if !connector.IsRetryable(r.Err) || !ok || d != 30*time.Second {
			t.Errorf("result %d: %v (retry after %v %v); want transient with Retry-After 30s", i, r.Err, d, ok)
		}
	}
	if reqs := s.Journal.Requests(); len(reqs) != 1 {
		t.Errorf("%d requests; want the batch to stop at the 429", len(reqs))
	}
	if len(s.Messages("sales")) != 0 {
		t.Error("a throttled message was posted")
	}
}

// ok:false with error ratelimited (HTTP 200) is transient too, honouring a Retry-After header.
func TestRatelimitedCodeIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "4")
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
	}))
	defer srv.Close()
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": srv.URL})
	r := connectortest.Apply(t, openWriter(t, conn, "C1"), post(1, connector.Record{"text": "a"}))[0]
	if d, ok := connector.RetryAfterOf(r.Err); !ok || d != 4*time.Second || !strings.Contains(r.Err.Error(), "ratelimited") {
		t.Errorf("Err = %v (retry after %v %v)", r.Err, d, ok)
	}
}

// One message per second per channel: a burst to one channel is spaced out; another channel does not
// wait for it. The fake answers 429 to a faster client, which would fail the results.
func TestOneMessagePerSecondPerChannel(t *testing.T) {
	s := startSlack(t, "a", "b")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	wa, wb := openWriter(t, conn, "a"), openWriter(t, conn, "b")
	for _, step := range []struct {
		w   connector.Writer
		key int
	}{{wa, 1}, {wb, 2}, {wa, 3}} {
		if r := connectortest.Apply(t, step.w, post(step.key, connector.Record{"text": "m"}))[0]; r.Err != nil {
			t.Fatalf("message %d: %v", step.key, r.Err)
		}
	}
	a, b := s.Messages("a"), s.Messages("b")
	if len(a) != 2 || len(b) != 1 {
		t.Fatalf("channel a has %d messages, b %d; want 2 and 1", len(a), len(b))
	}
	if gap := a[1].At.Sub(a[0].At); gap < 900*time.Millisecond {
		t.Errorf("two messages to one channel %v apart; want at least ~1s", gap)
	}
	if gap := b[0].At.Sub(a[0].At); gap > 500*time.Millisecond {
		t.Errorf("the message to channel b waited %v for channel a", gap)
	}
}

func TestOnlyCreates(t *testing.T) {
	s := startSlack(t, "sales")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	w := openWriter(t, conn, "sales")
	for _, a := range []connector.Action{connector.Update, connector.Delete, connector.SoftDelete} {
		r := connectortest.Apply(t, w, connector.Change{Action: a, Key: []any{1}, Record: connector.Record{"text": "x"}})[0]
		if !errors.Is(r.Err, connector.ErrUnsupported) {
			t.Errorf("%v: Err = %v, want connector.ErrUnsupported", a, r.Err)
		}
	}
	if len(s.Journal.Requests()) != 0 {
		t.Error("an update or delete was sent to Slack")
	}
	_, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "sales", Match: []string{"text"}})
	if !errors.Is(err, connector.ErrUnsupported) {
		t.Errorf("OpenWriter with match: %v, want connector.ErrUnsupported", err)
	}
	_, err = conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: "sales", Options: connector.Settings{"text": "{{name}}"}})
	if err == nil || !strings.Contains(err.Error(), "text") {
		t.Errorf("OpenWriter with an unknown option: %v", err)
	}
}

func TestRecordMustMakeAMessage(t *testing.T) {
	s := startSlack(t, "sales")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	w := openWriter(t, conn, "sales", "id")
	for name, tc := range map[string]struct {
		rec  connector.Record
		want string
	}{
		"unknown field": {connector.Record{"id": 1, "text": "x", "name": "Ada"}, "field name is not a Slack message argument"},
		"channel":       {connector.Record{"id": 1, "text": "x", "channel": "#other"}, "channel is the target's stream"},
		"no text":       {connector.Record{"id": 1, "text": "  ", "thread_ts": nil}, "no text"},
		"bad blocks":    {connector.Record{"id": 1, "blocks": "[{"}, "not JSON"},
	} {
		r := connectortest.Apply(t, w, post(1, tc.rec))[0]
		if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) || connector.IsRetryable(r.Err) {
			t.Errorf("%s: Err = %v, want a permanent error with %q", name, r.Err, tc.want)
		}
	}
	if len(s.Journal.Requests()) != 0 {
		t.Error("an invalid record was sent")
	}
	// Blocks given as JSON text (toJSON in a map) are sent as blocks; null fields are left out.
	r := connectortest.Apply(t, w, post(2, connector.Record{"id": 2, "blocks": `[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}]`, "thread_ts": nil}))[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if m := s.Messages("sales"); len(m) != 1 || !strings.Contains(string(m[0].Blocks), `"*hi*"`) {
		t.Errorf("messages = %+v", m)
	}
}

// Close to the batch's deadline (write_timeout) no message is started: one cut off in flight could not
// be known to have arrived. The rest of the batch is reported as not sent, transient, and nothing of it
// is posted.
func TestNoMessageStartsCloseToTheDeadline(t *testing.T) {
	s := startSlack(t, "a")
	conn := connectortest.Open(t, slack.New, connector.Settings{"token": botToken, "api_url": s.APIURL()})
	w := openWriter(t, conn, "a")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, err := w.Apply(ctx, []connector.Change{post(1, connector.Record{"text": "m"}), post(2, connector.Record{"text": "n"})})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !connector.IsNotSent(r.Err) || !connector.IsRetryable(r.Err) {
			t.Fatalf("message %d: %v, want a transient not-sent error", i+1, r.Err)
		}
	}
	if n := len(s.Messages("a")); n != 0 {
		t.Fatalf("%d messages posted", n)
	}
}
