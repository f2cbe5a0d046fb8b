package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// Options configure a client.
type Options struct {
	// Timeout bounds one request, including reading the body; 0 means 30s.
	Timeout time.Duration
	// AllowLinkLocal lets the client reach 169.254.0.0/16 and fe80::/10 (cloud metadata services live
	// there); off by default so a configured URL or a redirect cannot read instance credentials.
	AllowLinkLocal bool
	// MaxResponseBytes caps a response body read with ReadBody; 0 means 32 MiB.
	MaxResponseBytes int64
}

// Client is an *http.Client with the options above.
type Client struct {
	*http.Client
	maxBody int64
}

// ErrBlockedAddress is returned when a connection to a forbidden address was refused.
var ErrBlockedAddress = errors.New("address not allowed (link-local or cloud metadata); set allow_link_local: true if this is intended")

// ErrCrossHostRedirect is returned when a server redirects to another scheme or host: the client does not
// follow, as the request's headers (API keys) would go there and its answer would be taken for the API's.
var ErrCrossHostRedirect = errors.New("redirect to another host refused: credentials and data stay with the configured host")

// sameHostRedirects follows up to 10 redirects within the scheme and host of the first request.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%s://%s to %s://%s: %w", first.Scheme, first.Host, req.URL.Scheme, req.URL.Host, ErrCrossHostRedirect)
	}
	return nil
}

// New returns a client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 32 << 20
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowLinkLocal {
		dialer.Control = refuseLinkLocal
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
	}
	return &Client{Client: &http.Client{Transport: transport, Timeout: o.Timeout, CheckRedirect: sameHostRedirects}, maxBody: o.MaxResponseBytes}
}

// refuseLinkLocal runs after DNS resolution, on the address actually dialled.
func refuseLinkLocal(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if Blocked(ip) {
		return fmt.Errorf("dial %s: %w", host, ErrBlockedAddress)
	}
	return nil
}

// Blocked reports whether ip is link-local (169.254.0.0/16, fe80::/10, which hold cloud metadata
// endpoints such as 169.254.169.254), another cloud's metadata address (AWS's IPv6 fd00:ec2::254,
// Alibaba's 100.100.100.200), or an IPv4-mapped form of one.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip == awsMetadataV6 || ip == alibabaMetadata
}

var (
	awsMetadataV6   = netip.MustParseAddr("fd00:ec2::254")
	alibabaMetadata = netip.MustParseAddr("100.100.100.200")
)

// ReadBody reads a response body up to the client's cap and closes it; a larger body is an error
// rather than a silently truncated record set.
func (c *Client) ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, connector.Transient(fmt.Errorf("read response: %w", err))
	}
	if int64(len(b)) > c.maxBody {
		return nil, fmt.Errorf("response of %s is larger than the %d-byte cap", resp.Request.URL.Redacted(), c.maxBody)
	}
	return b, nil
}

// StatusError turns a non-2xx response into an error: 408, 425, 429, 5xx are transient (429 and 503
// carry Retry-After when the server sent one); other statuses are permanent. body is a short excerpt
// of the response, for the reason shown to people. It returns nil for 2xx.
func StatusError(resp *http.Response, body []byte) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	excerpt := strings.TrimSpace(string(body))
	if len(excerpt) > 300 {
		excerpt = excerpt[:300] + "..."
	}
	var err error = &StatusCodeError{Status: resp.StatusCode,
		text: fmt.Sprintf("%s %s: HTTP %d %s", resp.Request.Method, resp.Request.URL.Redacted(), resp.StatusCode, excerpt)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			return connector.TransientAfter(err, d)
		}
		return connector.Transient(err)
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooEarly || resp.StatusCode >= 500:
		return connector.Transient(err)
	}
	return err
}

// StatusCodeError is a non-2xx answer; StatusError wraps it as transient where that applies, so find it
// with errors.As.
type StatusCodeError struct {
	Status int
	text   string
}

func (e *StatusCodeError) Error() string { return e.text }

// Unauthorized reports whether err is an HTTP 401 or 403: the credentials were refused, and every
// further request with them will be too.
func Unauthorized(err error) bool {
	var sc *StatusCodeError
	return errors.As(err, &sc) && (sc.Status == http.StatusUnauthorized || sc.Status == http.StatusForbidden)
}

// RetryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// Do sends req and returns the body of a 2xx response, or StatusError. Network errors are transient, and
// so is a request cut off by ctx (a write_timeout, an interrupt): it may have arrived, its outcome is
// unknown. A refused address or redirect is not.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Client.Do(req.WithContext(ctx))
	if err != nil {
		if errors.Is(err, ErrBlockedAddress) || errors.Is(err, ErrCrossHostRedirect) {
			return nil, nil, err
		}
		return nil, nil, connector.Transient(err)
	}
	body, err := c.ReadBody(resp)
	if err != nil {
		return resp, nil, err
	}
	return resp, body, StatusError(resp, body)
}

// Reclassify returns next with err's retry class: transient with the same Retry-After when err is
// transient with one, transient when err is, permanent otherwise. A connector uses it when it replaces
// an error from Do with its own (an API error it decoded, a message with a secret taken out), so that
// the replacement is retried exactly when the original would have been.
func Reclassify(err, next error) error {
	if d, ok := connector.RetryAfterOf(err); ok {
		return connector.TransientAfter(next, d)
	}
	if connector.IsRetryable(err) {
		return connector.Transient(next)
	}
	return next
}

// NotSentAfter is the error of a change a writer skips because an earlier change of its batch failed
// with stop: not sent (connector.NotSent), and retried exactly when stop would be. what names the
// earlier change ("message", "change").
func NotSentAfter(stop error, what string) error {
	return connector.NotSent(Reclassify(stop, fmt.Errorf("not sent, as an earlier %s of the batch failed: %w", what, stop)))
}
