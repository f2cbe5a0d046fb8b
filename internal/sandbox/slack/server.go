package slack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

// Options configure a fake Slack workspace.
type Options struct {
	// BotToken is the xoxb- token chat.postMessage accepts. Required.
	BotToken string
	// PerChannelRate is the sustained messages per second a channel accepts; 0 means 1 (the
	// documented rate) and a negative value removes the per-channel limit.
	PerChannelRate float64
	// PerChannelBurst is how many messages a channel accepts at once before the rate applies; 0 means 1.
	PerChannelBurst int
	// Now is the clock for message timestamps and the rate limit; nil means time.Now.
	Now func() time.Time
}

// Message is one message a channel received.
type Message struct {
	Channel string // channel ID, e.g. C0000000001
	TS      string // Slack's message timestamp, unique per channel
	Text    string
	Blocks  json.RawMessage // nil without blocks
	Via     string          // "webhook" or "chat.postMessage"
	At      time.Time
}

type channel struct {
	id, name string
	archived bool
	msgs     []Message
	tokens   float64 // token bucket for the per-channel rate
	refilled time.Time
}

// Server is a running fake Slack workspace. Faults arms throttling and 5xx answers; Journal lists the
// requests received; Messages lists what each channel received.
type Server struct {
	Faults  *fakehttp.Injector
	Journal *fakehttp.Journal

	token string
	rate  float64
	burst float64
	clock func() time.Time
	ln    *fakehttp.Listener

	mu       sync.Mutex
	channels map[string]*channel // by ID
	hooks    map[string]string   // webhook path -> channel ID
	lastTS   int64               // microseconds of the last ts handed out
}

// New starts a fake Slack on 127.0.0.1. It stops when ctx is cancelled or Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.BotToken == "" {
		return nil, errors.New("start slack fake: Options.BotToken is empty; set the bot token the fake must accept")
	}
	s := &Server{
		Journal: &fakehttp.Journal{}, token: opts.BotToken, rate: opts.PerChannelRate,
		burst: float64(opts.PerChannelBurst), clock: opts.Now,
		channels: map[string]*channel{}, hooks: map[string]string{},
	}
	if s.rate == 0 {
		s.rate = 1
	}
	if s.burst <= 0 {
		s.burst = 1
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.Faults = fakehttp.NewInjector(s.clock)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /services/", s.webhook)
	ln, err := fakehttp.Listen(ctx, s.Journal.Wrap(mux))
	if err != nil {
		return nil, err
	}
	s.ln = ln
	return s, nil
}

// URL is the server's root; the Web API lives under /api (standing for https://slack.com/api).
func (s *Server) URL() string { return s.ln.URL() }

// APIURL is the Web API base, e.g. http://127.0.0.1:port/api; methods are {APIURL}/chat.postMessage.
func (s *Server) APIURL() string { return s.ln.URL() + "/api" }

// BotToken is the token chat.postMessage accepts.
func (s *Server) BotToken() string { return s.token }

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

// AddChannel creates a public channel (name without "#") and returns its ID; an existing name returns
// the existing ID.
func (s *Server) AddChannel(name string) string {
	name = strings.TrimPrefix(name, "#")
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.lookup(name); c != nil {
		return c.id
	}
	id := fmt.Sprintf("C%010d", len(s.channels)+1)
	s.channels[id] = &channel{id: id, name: name, tokens: s.burst}
	return id
}

// ArchiveChannel archives a channel: posts to it then fail with is_archived / channel_is_archived.
func (s *Server) ArchiveChannel(nameOrID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(nameOrID)
	if c == nil {
		return fmt.Errorf("archive channel %q: no such channel", nameOrID)
	}
	c.archived = true
	return nil
}

// AddWebhook creates an incoming webhook that posts to the channel and returns its full URL.
func (s *Server) AddWebhook(nameOrID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(nameOrID)
	if c == nil {
		return "", fmt.Errorf("add webhook: no channel %q", nameOrID)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	path := fmt.Sprintf("/services/T0000000001/B%09d/%x", len(s.hooks)+1, b)
	s.hooks[path] = c.id
	return s.ln.URL() + path, nil
}

// Messages returns the messages the channel (name or ID) received, oldest first.
func (s *Server) Messages(nameOrID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(nameOrID)
	if c == nil {
		return nil
	}
	return append([]Message(nil), c.msgs...)
}

// lookup finds a channel by ID, name or #name. Callers hold s.mu.
func (s *Server) lookup(nameOrID string) *channel {
	if c, ok := s.channels[nameOrID]; ok {
		return c
	}
	name := strings.TrimPrefix(nameOrID, "#")
	for _, c := range s.channels {
		if c.name == name {
			return c
		}
	}
	return nil
}

// admit spends one token of the channel's bucket, or says how long until one is available. Callers
// hold s.mu.
func (s *Server) admit(c *channel) (time.Duration, bool) {
	if s.rate < 0 {
		return 0, true
	}
	now := s.clock()
	if !c.refilled.IsZero() {
		c.tokens = math.Min(s.burst, c.tokens+now.Sub(c.refilled).Seconds()*s.rate)
	}
	c.refilled = now
	if c.tokens >= 1 {
		c.tokens--
		return 0, true
	}
	return time.Duration((1 - c.tokens) / s.rate * float64(time.Second)), false
}

// record stores an accepted message and returns its ts. Callers hold s.mu.
func (s *Server) record(c *channel, text string, blocks json.RawMessage, via string) Message {
	now := s.clock()
	us := max(now.UnixMicro(), s.lastTS+1)
	s.lastTS = us
	m := Message{Channel: c.id, TS: fmt.Sprintf("%d.%06d", us/1e6, us%1e6), Text: text, Blocks: blocks, Via: via, At: now}
	c.msgs = append(c.msgs, m)
	return m
}

// validBlocks checks the Block Kit shape the API checks first: an array of objects with a "type".
func validBlocks(raw json.RawMessage) bool {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil || len(blocks) == 0 {
		return false
	}
	for _, b := range blocks {
		if t, _ := b["type"].(string); t == "" {
			return false
		}
	}
	return true
}
