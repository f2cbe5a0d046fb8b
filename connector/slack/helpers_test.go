package slack_test

import (
	"context"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/slack"
	fake "github.com/onewaysync/oneway/internal/sandbox/slack"
)

const botToken = "xoxb-1111-2222-canarytoken-never-print"

// startSlack starts the sandbox's fake Slack (written from Slack's documentation; it enforces one
// message per second per channel like Slack does) with the channels given.
func startSlack(t *testing.T, channels ...string) *fake.Server {
	t.Helper()
	s, err := fake.New(context.Background(), fake.Options{BotToken: botToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, c := range channels {
		s.AddChannel(c)
	}
	return s
}

func openConn(t *testing.T, s connector.Settings) connector.Conn {
	t.Helper()
	conn, err := slack.New(s, connector.Env{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func openWriter(t *testing.T, conn connector.Conn, stream string, key ...string) connector.Writer {
	t.Helper()
	w, err := conn.(connector.Target).OpenWriter(t.Context(), connector.WriteRequest{Stream: stream, Key: key, Append: true})
	if err != nil {
		t.Fatalf("OpenWriter(%s): %v", stream, err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func apply(t *testing.T, w connector.Writer, changes ...connector.Change) []connector.Result {
	t.Helper()
	results, err := w.Apply(t.Context(), changes)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(results) != len(changes) {
		t.Fatalf("Apply of %d changes returned %d results", len(changes), len(results))
	}
	return results
}

func post(key any, rec connector.Record) connector.Change {
	return connector.Change{Action: connector.Create, Key: []any{key}, Record: rec}
}

// lead is a message as the leads-to-slack example maps a Salesforce lead.
func lead(id, name, title, company, source string) connector.Record {
	link := "https://example.my.salesforce.com/lightning/r/Lead/" + id + "/view"
	return connector.Record{
		"lead_id": id,
		"text":    "New lead: " + name + ", " + title + " at " + company + " (" + source + ")",
		"blocks": []any{
			map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": "New lead: " + name}},
			map[string]any{"type": "section", "fields": []any{
				map[string]any{"type": "plain_text", "text": "Title: " + title},
				map[string]any{"type": "plain_text", "text": "Company: " + company},
				map[string]any{"type": "plain_text", "text": "Lead source: " + source},
			}},
			map[string]any{"type": "actions", "elements": []any{
				map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open in Salesforce"}, "url": link},
			}},
		},
		"unfurl_links": false,
	}
}
