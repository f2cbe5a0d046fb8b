package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Defaults of an API's read retries.
const (
	DefaultRetries = 4
	DefaultMaxWait = time.Minute
)

// API is a JSON REST API at a base URL. Every request of a connector goes through it, so credentials,
// headers, the SSRF guard, timeouts, the response-size cap and rate-limit pauses apply to all of them.
//
// GET requests are retried after transient failures (network errors, 408, 429, 5xx), waiting as long as
// a Retry-After header asks or backing off exponentially, because a Reader that fails halfway makes the
// engine drop the whole read. Other methods are sent once: their failures go back to the engine per
// record, and it retries them. An API is safe for concurrent use.
type API struct {
	Client *httpclient.Client
	Base   *url.URL
	Auth   Auth
	// Header is sent with every request (Accept, On-Behalf-Of ...).
	Header nethttp.Header
	// Retries is how many times a GET is tried again after a transient failure.
	Retries int
	// MaxWait caps one wait before a retry; a server asking for longer gets its error returned at once.
	MaxWait time.Duration
	// Throttle, when set, inspects every response and returns how long to pause before the next
	// request (a connector reading rate-limit headers); 0 means no pause.
	Throttle func(*nethttp.Response) time.Duration
	// Classify, when set, may replace the error of a failed request, given the response (nil after a
	// network failure) and its body: a connector whose API signals throttling with another status
	// (Salesforce's 403 REQUEST_LIMIT_EXCEEDED) makes it transient here, so that reads retry it; one
	// that gives its reason in a header adds it. It is not called for successful requests.
	Classify func(resp *nethttp.Response, body []byte, err error) error
	// Sleep waits d or until ctx is done; nil uses a timer. Now is the clock of Throttle's pauses; nil
	// is time.Now. Tests replace both.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time

	mu        sync.Mutex
	notBefore time.Time
}

// NewAPI returns an API for base, which must be an absolute http or https URL.
func NewAPI(base string, auth Auth, opts httpclient.Options) (*API, error) {
	u, err := ParseBase(base)
	if err != nil {
		return nil, err
	}
	return &API{
		Client: httpclient.New(opts), Base: u, Auth: auth,
		Header:  nethttp.Header{"Accept": {"application/json"}, "User-Agent": {"oneway"}},
		Retries: DefaultRetries, MaxWait: DefaultMaxWait,
	}, nil
}

// ParseBase checks that s is an absolute http(s) URL without query or fragment.
func ParseBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q: the base URL may not have a query or fragment", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: put credentials in the auth settings, not in the URL", u.Redacted())
	}
	return u, nil
}

// Close releases idle connections.
func (a *API) Close() { a.Client.CloseIdleConnections() }

// URL returns the base URL with path appended to its path and the given query.
func (a *API) URL(path string, query url.Values) *url.URL {
	u := *a.Base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(path, "/")
	u.RawPath = ""
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return &u
}

// Follow resolves a link from a response (a Link header, a next URL in the body) against the URL of
// the request that returned it (RFC 3986). The result must stay on the base URL's scheme and host:
// the API's credentials are never sent anywhere else.
func (a *API) Follow(ref string, from *url.URL) (*url.URL, error) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return nil, fmt.Errorf("next-page link %q: %w", ref, err)
	}
	u := from.ResolveReference(r)
	if u.Scheme != a.Base.Scheme || u.Host != a.Base.Host {
		return nil, fmt.Errorf("next-page link %s leaves %s://%s; refusing to send credentials elsewhere", u.Redacted(), a.Base.Scheme, a.Base.Host)
	}
	return u, nil
}

// Do sends one request and returns the response and its body (read up to the size cap). A non-2xx
// status is an error from httpclient.StatusError (transient for 408, 425, 429 and 5xx, with the
// Retry-After wait). header adds to the API's headers; body, when not nil, is sent as JSON.
func (a *API) Do(ctx context.Context, method string, u *url.URL, body []byte, header nethttp.Header) (*nethttp.Response, []byte, error) {
	tries := 1
	if method == nethttp.MethodGet {
		tries += max(a.Retries, 0)
	}
	var backoff = 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, data, err := a.once(ctx, method, u, body, header)
		if err == nil || !connector.IsRetryable(err) || attempt >= tries || ctx.Err() != nil {
			return resp, data, err
		}
		wait, asked := connector.RetryAfterOf(err)
		if !asked {
			wait, backoff = backoff, backoff*2
		}
		if wait > a.maxWait() {
			return resp, data, err
		}
		if serr := a.sleep(ctx, wait); serr != nil {
			return resp, data, err
		}
	}
}

// GetJSON fetches u and decodes its JSON body.
func (a *API) GetJSON(ctx context.Context, u *url.URL) (any, *nethttp.Response, error) {
	resp, body, err := a.Do(ctx, nethttp.MethodGet, u, nil, nil)
	if err != nil {
		return nil, resp, err
	}
	v, err := Decode(body)
	if err != nil {
		return nil, resp, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	return v, resp, nil
}

func (a *API) once(ctx context.Context, method string, u *url.URL, body []byte, header nethttp.Header) (*nethttp.Response, []byte, error) {
	if err := a.waitTurn(ctx); err != nil {
		return nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body) // NewRequest sets ContentLength and GetBody from it
	}
	req, err := nethttp.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range a.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range header {
		req.Header[nethttp.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	a.Auth.Apply(req)
	resp, data, err := a.Client.Do(ctx, req)
	if resp != nil && a.Throttle != nil {
		if d := a.Throttle(resp); d > 0 {
			a.mu.Lock()
			if t := a.now().Add(d); t.After(a.notBefore) {
				a.notBefore = t
			}
			a.mu.Unlock()
		}
	}
	if err != nil && ctx.Err() != nil {
		return resp, data, fmt.Errorf("%s %s: %w", method, u.Redacted(), ctx.Err())
	}
	if err != nil && a.Classify != nil {
		err = a.Classify(resp, data, err)
	}
	return resp, data, err
}

// waitTurn pauses until a rate-limit pause asked for by Throttle is over.
func (a *API) waitTurn(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	until := a.notBefore
	a.mu.Unlock()
	d := until.Sub(a.now())
	if d <= 0 {
		return nil
	}
	if err := a.sleep(ctx, d); err != nil {
		return err
	}
	// The pause is over; a later pause asked for meanwhile stays.
	a.mu.Lock()
	if a.notBefore.Equal(until) {
		a.notBefore = time.Time{}
	}
	a.mu.Unlock()
	return nil
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *API) maxWait() time.Duration {
	if a.MaxWait > 0 {
		return a.MaxWait
	}
	return DefaultMaxWait
}

func (a *API) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NotFound reports whether resp is a 404 Not Found or 410 Gone.
func NotFound(resp *nethttp.Response) bool {
	return resp != nil && (resp.StatusCode == nethttp.StatusNotFound || resp.StatusCode == nethttp.StatusGone)
}
