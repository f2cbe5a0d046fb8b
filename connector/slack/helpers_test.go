package slack_test

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
	fake "github.com/onewaysync/oneway/internal/sandbox/slack"
)

const botToken = "xoxb-1111-2222-canarytoken-never-print"

// startSlack starts the sandbox's fake Slack (written from Slack's documentation; it enforces one
// message per second per channel like Slack does) with the channels given.
func startSlack(t *testing.T, channels ...string) *fake.Server {
	t.Helper()
	s := sandboxtest.Start(t, fake.New, fake.Options{BotToken: botToken})
	for _, c := range channels {
		s.AddChannel(c)
	}
	return s
}

func openWriter(t *testing.T, conn connector.Conn, stream string, key ...string) connector.Writer {
	t.Helper()
	return connectortest.OpenWriter(t, conn.(connector.Target), connector.WriteRequest{Stream: stream, Key: key, Append: true})
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
