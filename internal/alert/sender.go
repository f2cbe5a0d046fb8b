package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Sender posts events to one destination: a webhook receiving the Event as JSON, or a Slack incoming
// webhook receiving {"text": ...}. Events are queued and sent in order by one goroutine, so a slow
// destination never holds up a run; a transient failure is retried a few times with backoff.
type Sender struct {
	url    string
	slack  bool
	client *httpclient.Client
	log    *slog.Logger
	redact func(string) string
	// Backoff is the wait before the first retry; it doubles for each next one.
	Backoff time.Duration

	queue chan Event
	done  chan struct{}
	stop  context.CancelFunc
	once  sync.Once
}

// attempts is how many times an event is sent before it is given up (and logged).
const attempts = 4

// NewSender starts a sender posting to url, in Slack's format when slack is set. redact scrubs
// secrets from the error texts it logs (the URL itself may be one: a Slack webhook URL is a credential,
// so it is never logged).
func NewSender(url string, slack bool, client *httpclient.Client, log *slog.Logger, redact func(string) string) *Sender {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{url: url, slack: slack, client: client, log: log, redact: redact, Backoff: time.Second,
		queue: make(chan Event, 256), done: make(chan struct{}), stop: cancel}
	go s.loop(ctx)
	return s
}

// Send queues an event. When the queue is full (the destination has been down for long) the event is
// dropped and logged rather than blocking a run.
func (s *Sender) Send(e Event) {
	select {
	case s.queue <- e:
	default:
		s.log.Error("alert dropped: the alert queue is full", "sync", e.Sync, "event", e.Kind)
	}
}

// Close sends what is queued, waiting at most wait, then stops.
func (s *Sender) Close(wait time.Duration) {
	s.once.Do(func() {
		close(s.queue)
		select {
		case <-s.done:
		case <-time.After(wait):
			s.stop()
			<-s.done
		}
	})
}

func (s *Sender) loop(ctx context.Context) {
	defer close(s.done)
	for e := range s.queue {
		if err := s.deliver(ctx, e); err != nil {
			s.log.Error("alert not delivered", "sync", e.Sync, "event", e.Kind, "error", s.redact(err.Error()))
		}
	}
}

func (s *Sender) deliver(ctx context.Context, e Event) error {
	var payload any = e
	if s.slack {
		payload = map[string]string{"text": e.Text}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	delay := s.Backoff
	for i := 1; ; i++ {
		err = s.post(ctx, body)
		if err == nil || !connector.IsRetryable(err) || i == attempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (s *Sender) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alert request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "oneway-alerts")
	resp, _, err := s.client.Do(ctx, req)
	if err != nil && resp != nil {
		// StatusError names the URL, which may be a credential: keep the status only.
		if connector.IsRetryable(err) {
			return connector.Transient(fmt.Errorf("the alert destination answered HTTP %d", resp.StatusCode))
		}
		return fmt.Errorf("the alert destination answered HTTP %d", resp.StatusCode)
	}
	if err != nil {
		retry := connector.IsRetryable(err)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text names the URL
		}
		err = fmt.Errorf("post alert: %w", err)
		if retry {
			return connector.Transient(err)
		}
		return err
	}
	return nil
}
