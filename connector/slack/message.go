package slack

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// messageFields are the chat.postMessage arguments a mapped record may set (incoming webhooks accept
// the same payload and ignore what they do not use). The channel is never one: it is the stream.
var messageFields = map[string]bool{
	"text": true, "blocks": true, "attachments": true, "markdown_text": true,
	"thread_ts": true, "reply_broadcast": true,
	"mrkdwn": true, "parse": true, "link_names": true, "unfurl_links": true, "unfurl_media": true,
	"username": true, "icon_emoji": true, "icon_url": true, "metadata": true,
}

// jsonFields may also be given as JSON text (what toJSON or a template gives), since the Web API takes
// them "presented as a URL-encoded string" in form posts.
var jsonFields = map[string]bool{"blocks": true, "attachments": true, "metadata": true}

// message returns the payload of a record: its message fields, without nulls. Key fields are left out
// (they identify the record in the ledger and are no message argument); any other field is an error, so
// a field the sync maps is never dropped without a word.
func message(rec connector.Record, key []string) (map[string]any, error) {
	isKey := make(map[string]bool, len(key))
	for _, k := range key {
		isKey[k] = true
	}
	out := make(map[string]any, len(rec))
	var unknown []string
	for name, v := range rec {
		switch {
		case name == "channel":
			return nil, fmt.Errorf("the record sets channel; the channel is the target's stream (or the connection's channel setting)")
		case messageFields[name]:
			if v == nil {
				continue
			}
			if s, isText := v.(string); isText && jsonFields[name] {
				var parsed any
				if err := json.Unmarshal([]byte(s), &parsed); err != nil {
					return nil, fmt.Errorf("field %s is text that is not JSON: %v", name, err)
				}
				v = parsed
			}
			out[name] = v
		case isKey[name]:
		default:
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("field %s is not a Slack message argument (map the record into text or blocks; known: %s)",
			strings.Join(unknown, ", "), strings.Join(sortedFields(), ", "))
	}
	if !hasContent(out) {
		return nil, fmt.Errorf("the message has no text, blocks, attachments or markdown_text; map at least text")
	}
	return out, nil
}

func hasContent(msg map[string]any) bool {
	for _, f := range []string{"text", "markdown_text"} {
		if s, _ := msg[f].(string); strings.TrimSpace(s) != "" {
			return true
		}
	}
	for _, f := range []string{"blocks", "attachments"} {
		if list, _ := msg[f].([]any); len(list) > 0 {
			return true
		}
	}
	return false
}

func sortedFields() []string {
	out := make([]string, 0, len(messageFields))
	for f := range messageFields {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
