package slack

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

const maxTextLength = 40000

// postMessage implements chat.postMessage: errors are HTTP 200 with {"ok":false,"error":...}, except
// rate limiting, which is HTTP 429 with Retry-After.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	fail := func(code string) { fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code}) }
	switch d := s.Faults.Decide(); d.Fault {
	case fakehttp.Throttled:
		w.Header().Set("Retry-After", d.RetryAfterHeader())
		fakehttp.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	case fakehttp.Failed:
		fakehttp.WriteJSON(w, d.Status, map[string]any{"ok": false, "error": "internal_error"})
		return
	}
	var args struct {
		Token   string          `json:"-"`
		Channel string          `json:"channel"`
		Text    string          `json:"text"`
		Blocks  json.RawMessage `json:"blocks"`
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		if err := json.NewDecoder(r.Body).Decode(&args); err != nil {
			fail("invalid_json")
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			fail("invalid_form_data")
			return
		}
		args.Token, args.Channel, args.Text = r.PostForm.Get("token"), r.PostForm.Get("channel"), r.PostForm.Get("text")
		if b := r.PostForm.Get("blocks"); b != "" {
			args.Blocks = json.RawMessage(b)
		}
	}
	tok, ok := fakehttp.BearerToken(r)
	if !ok {
		tok = args.Token
	}
	switch {
	case tok == "":
		fail("not_authed")
		return
	case !fakehttp.SameSecret(tok, s.token):
		fail("invalid_auth")
		return
	}
	if len(args.Blocks) > 0 && string(args.Blocks) != "null" && !validBlocks(args.Blocks) {
		fail("invalid_blocks")
		return
	}
	if string(args.Blocks) == "null" {
		args.Blocks = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(args.Channel)
	switch {
	case args.Channel == "" || c == nil:
		fail("channel_not_found")
		return
	case c.archived:
		fail("is_archived")
		return
	case strings.TrimSpace(args.Text) == "" && args.Blocks == nil:
		fail("no_text")
		return
	case len(args.Text) > maxTextLength:
		fail("msg_too_long")
		return
	}
	if wait, ok := s.admit(c); !ok {
		w.Header().Set("Retry-After", fakehttp.Decision{RetryAfter: wait}.RetryAfterHeader())
		fakehttp.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	m := s.record(c, args.Text, args.Blocks, "chat.postMessage")
	msg := map[string]any{"type": "message", "subtype": "bot_message", "text": m.Text, "ts": m.TS, "bot_id": "B0000000001"}
	if m.Blocks != nil {
		msg["blocks"] = m.Blocks
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": c.id, "ts": m.TS, "message": msg})
}

// webhook implements an incoming webhook: plain-text answers, errors as HTTP statuses.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	text := func(status int, body string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
	switch d := s.Faults.Decide(); d.Fault {
	case fakehttp.Throttled:
		w.Header().Set("Retry-After", d.RetryAfterHeader())
		text(http.StatusTooManyRequests, "rate_limited")
		return
	case fakehttp.Failed:
		text(d.Status, "rollup_error")
		return
	}
	s.mu.Lock()
	id, ok := s.hooks[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		text(http.StatusNotFound, "no_service")
		return
	}
	var payload struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	var raw []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err == nil {
			raw = []byte(r.PostForm.Get("payload"))
		}
	} else {
		raw, _ = io.ReadAll(r.Body)
	}
	if err := json.Unmarshal(raw, &payload); err != nil {
		text(http.StatusBadRequest, "invalid_payload")
		return
	}
	if string(payload.Blocks) == "null" {
		payload.Blocks = nil
	}
	if payload.Blocks != nil && !validBlocks(payload.Blocks) {
		text(http.StatusBadRequest, "invalid_payload")
		return
	}
	if strings.TrimSpace(payload.Text) == "" && payload.Blocks == nil {
		text(http.StatusBadRequest, "no_text")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	if c.archived {
		text(http.StatusGone, "channel_is_archived")
		return
	}
	if wait, ok := s.admit(c); !ok {
		w.Header().Set("Retry-After", fakehttp.Decision{RetryAfter: wait}.RetryAfterHeader())
		text(http.StatusTooManyRequests, "rate_limited")
		return
	}
	s.record(c, payload.Text, payload.Blocks, "webhook")
	text(http.StatusOK, "ok")
}
