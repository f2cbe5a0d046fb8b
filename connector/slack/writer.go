package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Writer posts one message per Create to one channel, waiting so that the channel gets at most one
// message per second (shared by all writers of the connection).
//
// Results: Result.ID is the message's ts (chat.postMessage; "" for an incoming webhook, which returns no
// id). Update, Delete and SoftDelete cannot be applied to a posted message: their Result.Err wraps
// connector.ErrUnsupported (use mode create or append). Errors:
//
//   - HTTP 429 with Retry-After, and {"ok":false,"error":"ratelimited"}, are transient with that wait;
//     so are HTTP 5xx, network failures and the Web API's internal_error, fatal_error,
//     service_unavailable and request_timeout;
//   - any other ok:false error (channel_not_found, invalid_auth, not_in_channel ...) or HTTP 4xx of a
//     webhook (invalid_payload, channel_is_archived ...) is permanent, named in the error;
//   - a record whose fields make no message (an unknown field, no text) is rejected before sending.
//
// After an error that is not about the message itself (a refused token, a missing channel, a rate
// limit), the rest of the batch is not sent, each change getting the same error: at one message per
// second, sending them all to fail would only cost time and rate limit.
type Writer struct {
	c       *Conn
	channel string // "" for a webhook
	key     []string
	gate    *gate
}

// NonIdempotent reports true: a message sent twice is posted twice, so the engine records the intent
// in the ledger before sending (see delivery in docs/config.md).
func (w *Writer) NonIdempotent() bool { return true }

// Close does nothing: every message was sent by Apply.
func (w *Writer) Close() error { return nil }

// Apply posts the batch's creates in order and returns one Result per change.
func (w *Writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	results := make([]connector.Result, len(batch))
	var stop error
	for i, ch := range batch {
		if ch.Action != connector.Create {
			results[i].Err = fmt.Errorf("slack: %v of a posted message: %w (messages can only be created; use mode create or append)", ch.Action, connector.ErrUnsupported)
			continue
		}
		if stop != nil {
			results[i].Err = httpclient.NotSentAfter(stop, "message")
			continue
		}
		msg, err := message(ch.Record, w.key)
		if err != nil {
			results[i].Err = fmt.Errorf("slack: record %v: %w", ch.Key, err)
			continue
		}
		ts, err := w.post(ctx, msg)
		results[i] = connector.Result{ID: ts, Err: err}
		if err != nil && !aboutMessage(err) {
			stop = err
		}
	}
	return results, nil
}

// post waits for the channel's turn and sends one message.
func (w *Writer) post(ctx context.Context, msg map[string]any) (string, error) {
	var ts string
	err := w.gate.pass(ctx, func() error {
		if w.c.webhook != "" {
			return w.c.postWebhook(ctx, msg)
		}
		msg["channel"] = w.channel
		var err error
		ts, err = w.c.postMessage(ctx, msg)
		return err
	})
	return ts, w.c.scrub(err)
}

// postMessage calls chat.postMessage and returns the message's ts.
func (c *Conn) postMessage(ctx context.Context, msg map[string]any) (string, error) {
	const method = "chat.postMessage"
	body, err := httpclient.EncodeJSON(msg) // unescaped: Slack reads "<" and "&" itself (mrkdwn links)
	if err != nil {
		return "", fmt.Errorf("slack %s: encode the message: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL+"/"+method, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("slack %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, data, err := c.client.Do(ctx, req)
	var answer struct {
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		TS      string `json:"ts"`
		Warning string `json:"warning"`
	}
	if data != nil {
		_ = json.Unmarshal(data, &answer)
	}
	if err != nil {
		if resp == nil || succeeded(resp) {
			return "", fmt.Errorf("slack %s: %w", method, err)
		}
		return "", httpclient.Reclassify(err, &apiError{Method: method, Status: resp.StatusCode, Code: codeOr(answer.Error, data)})
	}
	if !answer.OK {
		e := &apiError{Method: method, Status: resp.StatusCode, Code: codeOr(answer.Error, data)}
		if transientCodes[e.Code] {
			if d, ok := httpclient.RetryAfter(resp.Header, time.Now()); ok {
				return "", connector.TransientAfter(e, d)
			}
			return "", connector.Transient(e)
		}
		return "", e
	}
	if answer.Warning != "" {
		c.log.Debug("slack warning", "method", method, "warning", answer.Warning)
	}
	return answer.TS, nil
}

// postWebhook posts to the incoming webhook. Slack answers 200 "ok", or an HTTP error status whose body
// is the error code (invalid_payload, channel_not_found, channel_is_archived ...).
func (c *Conn) postWebhook(ctx context.Context, msg map[string]any) error {
	const method = "incoming webhook"
	body, err := httpclient.EncodeJSON(msg)
	if err != nil {
		return fmt.Errorf("slack %s: encode the message: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.webhook, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("slack %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, data, err := c.client.Do(ctx, req)
	if err == nil {
		return nil
	}
	if resp == nil || succeeded(resp) {
		return fmt.Errorf("slack %s: %w", method, err)
	}
	return httpclient.Reclassify(err, &apiError{Method: method, Status: resp.StatusCode, Code: codeOr("", data)})
}

// succeeded reports a 2xx status: an error with it is about reading the answer, not Slack's verdict.
func succeeded(resp *http.Response) bool { return resp.StatusCode >= 200 && resp.StatusCode < 300 }

// apiError is Slack's answer to a message it did not post.
type apiError struct {
	Method string
	Status int
	Code   string // the error code: channel_not_found, ratelimited, invalid_payload ...
}

func (e *apiError) Error() string {
	if e.Status == http.StatusOK {
		return fmt.Sprintf("slack %s: %s", e.Method, e.Code)
	}
	return fmt.Sprintf("slack %s: HTTP %d: %s", e.Method, e.Status, e.Code)
}

// codeOr returns code, else a short excerpt of the body (webhooks answer the code as plain text).
func codeOr(code string, body []byte) string {
	if code != "" {
		return code
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "no error code in the answer"
	}
	return s
}

// transientCodes are ok:false errors that say nothing about the message: trying it again later may work.
var transientCodes = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true,
}

// messageCodes are errors about one message's content: the next message may well be fine.
var messageCodes = map[string]bool{
	"invalid_blocks": true, "invalid_blocks_format": true, "invalid_attachments": true,
	"invalid_metadata_format": true, "invalid_metadata_schema": true, "metadata_too_large": true,
	"msg_too_long": true, "no_text": true, "too_many_attachments": true, "too_many_contact_cards": true,
	"markdown_text_conflict": true, "invalid_payload": true, "thread_not_found": true,
	"invalid_thread_ts": true, "user_not_found": true,
}

// aboutMessage reports whether err concerns only the message that was sent.
func aboutMessage(err error) bool {
	var e *apiError
	return errors.As(err, &e) && messageCodes[e.Code] && !connector.IsRetryable(err)
}

// redacted is an error whose message had secrets taken out. It keeps the sentinel causes callers test
// for, never the original chain (whose messages hold the secret).
type redacted struct {
	msg   string
	cause error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.cause }

// minSecret is the shortest value scrub replaces, so that a webhook URL with an empty or "/" path
// does not turn every message into noise.
const minSecret = 4

// scrub returns err with the token and the webhook URL (and its path, which holds the webhook's secret)
// replaced by [redacted]: net/http quotes the URL in its errors, and a server may echo a request back.
func (c *Conn) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := c.redact(err.Error())
	if msg == err.Error() {
		return err
	}
	var cause error
	for _, sentinel := range []error{httpclient.ErrBlockedAddress, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			cause = sentinel
			break
		}
	}
	var api *apiError
	if cause == nil && errors.As(err, &api) {
		clean := *api
		clean.Code = c.redact(clean.Code)
		cause = &clean
	}
	return httpclient.Reclassify(err, &redacted{msg: msg, cause: cause})
}

func (c *Conn) redact(s string) string {
	for _, secret := range c.secrets {
		if len(secret) >= minSecret {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

var (
	_ connector.Writer        = (*Writer)(nil)
	_ connector.NonIdempotent = (*Writer)(nil)
)
