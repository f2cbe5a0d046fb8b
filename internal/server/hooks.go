package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/webhook"
)

// maxHookBody bounds an inbound hook's body: change notifications are small.
const maxHookBody = 1 << 20

// hook takes a change notification for a sync: it verifies the signature over the raw body (401 when
// unsigned, wrong or stale), refuses a delivery seen before (409), and starts a run of the sync after
// the debounce window (202). Nothing runs for a hook that fails any check.
func (s *Server) hook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("sync")
	svc := s.spec.Services[name]
	deb := s.hooks[name]
	if svc == nil || svc.Webhook == nil || deb == nil {
		s.writeError(w, http.StatusNotFound, "sync "+name+" takes no webhooks (give it webhook: {secret: ...} in the configuration)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		s.writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than 1 MiB")
		return
	}
	now := s.clock.Now()
	d, err := webhook.Verify(r.Header, body, svc.Webhook.Secret, now)
	if err != nil {
		s.log.Warn("webhook refused", "sync", name, "error", err.Error())
		s.writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	// The replay check comes after the signature check, so that unsigned requests cannot fill the cache.
	id := name + "\x00" + d.ID
	if !s.seen.Add(id, now) {
		s.log.Warn("webhook refused: replayed delivery", "sync", name, "delivery", d.ID)
		s.writeError(w, http.StatusConflict, "this delivery was received already; nothing runs")
		return
	}
	if isPing(body) {
		s.writeJSON(w, http.StatusOK, map[string]any{"status": "pong"})
		return
	}
	joined, accepted := false, false
	if !s.runner.isClosing() {
		joined, accepted = deb.Trigger() // refused once shutdown has stopped the hooks
	}
	if !accepted {
		s.seen.Forget(id) // let the sender retry it against the next server
		s.writeError(w, http.StatusServiceUnavailable, ErrShutdown.Error())
		return
	}
	s.log.Info("webhook accepted", "sync", name, "delivery", d.ID, "scheme", d.Scheme, "joined_window", joined)
	s.writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "sync": name,
		"run_after_seconds": svc.Webhook.Debounce.Seconds(), "joined": joined})
}

// isPing recognises the test event a sender posts when a hook is set up (Greenhouse: "action": "ping").
func isPing(body []byte) bool {
	var ev struct {
		Action string `json:"action"`
	}
	return json.Unmarshal(body, &ev) == nil && ev.Action == "ping"
}

// hookRun starts the run a debounce window gathered. A sync that is running gets the run right after
// (the hooks may be about records the current run has read already).
func (s *Server) hookRun(name string) {
	if _, err := s.runner.request(name, TriggerWebhook, engine.Options{}, false); err != nil && !errors.Is(err, ErrShutdown) {
		s.log.Error("run after webhook not started", "sync", name, "error", err)
	}
}
