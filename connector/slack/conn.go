package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Conn is a connection to one Slack workspace, through a bot token (chat.postMessage) or an incoming
// webhook. It is a Target only: Slack has no way to look a message up by a record's key.
type Conn struct {
	apiURL  string // Web API base, token mode only
	token   string
	channel string
	webhook string
	secrets []string // values that must never appear in an error: token, webhook URL and its path

	client *httpclient.Client
	log    *slog.Logger
	limits *limits
}

// Close releases idle HTTP connections. Closing twice is harmless.
func (c *Conn) Close() error {
	c.client.CloseIdleConnections()
	return nil
}

// streamDefault is the stream that means "the connection's channel" (token mode) or "the webhook's
// channel" (webhook mode).
const streamDefault = "messages"

// OpenWriter opens a writer that posts to one channel. With a bot token, the stream is the channel (an ID
// such as C0123456789, or #name), or "messages" for the connection's channel setting; with an incoming
// webhook it must be "messages", the webhook's own channel.
//
// Messages cannot be looked up: WriteRequest.Match is an error wrapping connector.ErrUnsupported. There
// are no target options.
func (c *Conn) OpenWriter(_ context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if err := req.Options.Check(); err != nil {
		return nil, err
	}
	if len(req.Match) > 0 {
		return nil, fmt.Errorf("slack: match: %w (Slack messages cannot be looked up; remove match)", connector.ErrUnsupported)
	}
	channel := req.Stream
	switch {
	case c.webhook != "":
		if req.Stream != streamDefault {
			return nil, fmt.Errorf("slack: stream %q: an incoming webhook posts to the channel it was created for; use stream: %s", req.Stream, streamDefault)
		}
		channel = "" // the webhook decides; the limiter keys on the webhook
	case req.Stream == streamDefault:
		if c.channel == "" {
			return nil, fmt.Errorf("slack: stream %s means the connection's channel, but the connection has no channel setting; set it, or name the channel as the stream", streamDefault)
		}
		channel = c.channel
	case strings.TrimSpace(req.Stream) == "":
		return nil, fmt.Errorf("slack: the stream must name a channel (an ID such as C0123456789, or #name)")
	}
	return &Writer{c: c, channel: channel, key: req.Key, gate: c.limits.of(channel)}, nil
}

// limits keeps one gate per channel for all writers of a connection: Slack allows about one message
// per second per channel, with short bursts (docs: rate limits, "Posting messages").
type limits struct {
	every time.Duration

	mu  sync.Mutex
	per map[string]*gate
}

func newLimits(every time.Duration) *limits {
	return &limits{every: every, per: map[string]*gate{}}
}

func (l *limits) of(channel string) *gate {
	l.mu.Lock()
	defer l.mu.Unlock()
	g, ok := l.per[channel]
	if !ok {
		g = &gate{lim: rate.NewLimiter(rate.Every(l.every), 1), turn: make(chan struct{}, 1)}
		l.per[channel] = g
	}
	return g
}

// gate lets one message at a time through to a channel, at most one per interval. A message is counted
// when Slack has answered it, not when it was sent: Slack measures the spacing of arrivals, and the first
// request on a new connection takes longer to arrive than the next, so spacing the sends alone can put
// two arrivals less than a second apart.
type gate struct {
	lim  *rate.Limiter
	turn chan struct{} // a one-slot semaphore; a channel so that waiting for it honours ctx
}

// pass waits for the channel's turn and for the interval since the last answer, then runs send.
func (g *gate) pass(ctx context.Context, send func() error) error {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("slack: waiting for the channel's turn: %w", ctx.Err())
	}
	defer func() { <-g.turn }()
	for {
		tokens := g.lim.TokensAt(time.Now())
		if tokens >= 1 {
			break
		}
		wait := time.Duration((1 - tokens) / float64(g.lim.Limit()) * float64(time.Second))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("slack: waiting for the channel's rate limit: %w", ctx.Err())
		case <-timer.C:
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < sendMargin {
		// The batch's write_timeout is near: a send it cut off could not be known to have arrived or
		// not, so this one is not started; the engine sends it again in a new batch.
		return connector.NotSent(connector.Transient(errors.New("slack: not sent, the batch's write_timeout is near")))
	}
	err := send()
	g.lim.ReserveN(time.Now(), 1)
	return err
}

// sendMargin is the least time left before the context's deadline for a message to be sent: a Slack
// call answers in well under it.
const sendMargin = 10 * time.Second

var _ connector.Target = (*Conn)(nil)
