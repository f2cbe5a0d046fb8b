package http

import (
	"context"
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"path"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// request is how one action (create, update, delete) is sent.
type request struct {
	method   string
	path     *template
	body     bool   // send the record as the JSON body
	envelope string // wrap the body as {envelope: record}
	idPath   string // create: where the new record's id is in the response
}

// OpenWriter prepares writes to stream. Options (WriteRequest.Options), each optional when the stream
// is configured under streams (then create is POST path, update PATCH path/{id}, delete DELETE
// path/{id}):
//
//	create:  {method: POST, path: /users, body: record|none, envelope: user, id_path: data.id}
//	update:  {method: PATCH, path: /users/{id}, body: record|none, envelope: user}
//	delete:  {method: DELETE, path: /users/{id}}
//
// Unknown options are rejected. Match is not supported (the API's search is not known); Append is
// not supported when create is a PUT (a PUT replaces the record of its URL).
func (c *Conn) OpenWriter(_ context.Context, req connector.WriteRequest) (connector.Writer, error) {
	fail := func(err error) error { return fmt.Errorf("open writer on %s: %w", req.Stream, err) }
	if err := req.Options.Check("create", "delete", "update"); err != nil {
		return nil, fail(err)
	}
	if len(req.Match) > 0 {
		return nil, fail(fmt.Errorf("match %v: %w (the generic http connector cannot search the API)", req.Match, connector.ErrUnsupported))
	}
	w := &writer{api: c.api, stream: req.Stream, key: req.Key, reqs: map[connector.Action]*request{}}
	base := ""
	if st, ok := c.streams[req.Stream]; ok {
		base = st.path
	}
	for _, a := range []struct {
		name   string
		action connector.Action
		method string
		suffix string
		body   bool
	}{
		{"create", connector.Create, nethttp.MethodPost, "", true},
		{"update", connector.Update, nethttp.MethodPatch, "/{id}", true},
		{"delete", connector.Delete, nethttp.MethodDelete, "/{id}", false},
	} {
		r, err := parseRequest(req.Options, a.name, a.method, base, a.suffix, a.body)
		if err != nil {
			return nil, fail(err)
		}
		if r != nil {
			w.reqs[a.action] = r
		}
	}
	if req.Append {
		if cr := w.reqs[connector.Create]; cr != nil && cr.method == nethttp.MethodPut {
			return nil, fail(fmt.Errorf("mode append with create.method PUT: %w (a PUT replaces the record at its URL)", connector.ErrUnsupported))
		}
	}
	return w, nil
}

func parseRequest(opts connector.Settings, name, method, base, suffix string, body bool) (*request, error) {
	s, err := Sub(opts, name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		if base == "" {
			return nil, nil // this action is not configured; changes that need it are rejected
		}
		t, err := parseTemplate(strings.TrimSuffix(base, "/") + suffix)
		if err != nil {
			return nil, err
		}
		return &request{method: method, path: t, body: body}, nil
	}
	fail := func(err error) (*request, error) { return nil, Prefix(name, err) }
	known := []string{"body", "envelope", "method", "path"}
	if name == "create" {
		known = append(known, "id_path")
	}
	if err := s.Check(known...); err != nil {
		return fail(err)
	}
	r := &request{body: body}
	if r.method, err = s.String("method", method); err != nil {
		return fail(err)
	}
	r.method = strings.ToUpper(r.method)
	switch r.method {
	case nethttp.MethodPost, nethttp.MethodPut, nethttp.MethodPatch, nethttp.MethodDelete:
	default:
		return fail(&connector.SettingError{Key: "method", Err: fmt.Errorf("%q is not one of POST, PUT, PATCH, DELETE", r.method)})
	}
	p, err := s.String("path", "")
	if err != nil {
		return fail(err)
	}
	if p == "" {
		if base == "" {
			return fail(&connector.SettingError{Key: "path", Err: errors.New("is required (the stream has no path under the connection's streams)")})
		}
		p = strings.TrimSuffix(base, "/") + suffix
	}
	if r.path, err = parseTemplate(p); err != nil {
		return fail(&connector.SettingError{Key: "path", Err: err})
	}
	if b, err := s.String("body", ""); err != nil {
		return fail(err)
	} else if b != "" {
		switch b {
		case "record":
			r.body = true
		case "none":
			r.body = false
		default:
			return fail(&connector.SettingError{Key: "body", Err: fmt.Errorf("%q is not record or none", b)})
		}
	}
	if r.envelope, err = s.String("envelope", ""); err != nil {
		return fail(err)
	}
	if r.idPath, err = s.String("id_path", ""); err != nil {
		return fail(err)
	}
	return r, nil
}

// writer sends one request per change (see ApplyEach). Create sends the create request and takes the
// new record's id from the response (create.id_path, else the last segment of a Location header, else
// none). Update and SoftDelete send the update request with the record (the soft-delete fields); a 404
// gives connector.ErrNotFound. Delete sends the delete request; a 404 or 410 counts as done. Failures
// are transient per httpclient.StatusError (408, 425, 429, 5xx, network), permanent otherwise.
type writer struct {
	api    *API
	stream string
	key    []string
	reqs   map[connector.Action]*request
}

// NonIdempotent reports that a create sent twice may make two records: true unless create is a PUT
// (which, per HTTP, replaces the record at its URL).
func (w *writer) NonIdempotent() bool {
	r := w.reqs[connector.Create]
	return r == nil || r.method != nethttp.MethodPut
}

func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	return ApplyEach(ctx, batch, w.apply)
}

func (w *writer) apply(ctx context.Context, ch connector.Change) (string, error) {
	action := ch.Action
	if action == connector.SoftDelete {
		action = connector.Update
	}
	fail := func(err error) error { return fmt.Errorf("%s of %s key %v: %w", ch.Action, w.stream, ch.Key, err) }
	r := w.reqs[action]
	if r == nil {
		return "", fail(fmt.Errorf("the target has no %s request: set the %s option (or the stream's path under the connection's streams)", action, action))
	}
	p, rawPath, rawQuery, err := r.path.fill(ch, w.key)
	if err != nil {
		return "", fail(err)
	}
	u := w.api.URL(p, nil)
	if rawPath != p {
		u.RawPath = strings.TrimSuffix(w.api.Base.EscapedPath(), "/") + "/" + strings.TrimPrefix(rawPath, "/")
	}
	u.RawQuery = rawQuery
	var body []byte
	if r.body && ch.Record != nil {
		var v any = map[string]any(ch.Record)
		if r.envelope != "" {
			v = map[string]any{r.envelope: v}
		}
		if body, err = Encode(v); err != nil {
			return "", fail(err)
		}
	}
	resp, data, err := w.api.Do(ctx, r.method, u, body, nil)
	switch {
	case err == nil:
	case action == connector.Delete && NotFound(resp):
		return ch.ID, nil
	case action == connector.Update && NotFound(resp):
		return "", fail(fmt.Errorf("%w: %v", connector.ErrNotFound, err))
	default:
		return "", fail(err)
	}
	if action != connector.Create {
		return ch.ID, nil
	}
	id, err := newID(r.idPath, resp, data)
	if err != nil {
		return "", fail(err)
	}
	if id == "" && r.method == nethttp.MethodPut {
		id = ch.ID // a PUT addresses the record by its URL: the id, if any, is unchanged
	}
	return id, nil
}

// newID finds the id of a created record: at idPath in the JSON body when set (its absence is an
// error: the record was created but could not be addressed later), else the last path segment of the
// Location header, else "".
func newID(idPath string, resp *nethttp.Response, body []byte) (string, error) {
	if idPath != "" {
		v, err := Decode(body)
		if err != nil {
			return "", fmt.Errorf("created, but the id could not be read: %w", err)
		}
		found, _ := Lookup(v, idPath)
		if id, ok := Scalar(found); ok && id != "" {
			return id, nil
		}
		return "", fmt.Errorf("created, but the response has no id at %q (create.id_path); later updates cannot reach this record", idPath)
	}
	return LocationID(resp), nil
}

// LocationID returns the last path segment of a response's Location header (".../employees/42" gives
// "42"), or "".
func LocationID(resp *nethttp.Response) string {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	seg := path.Base(strings.TrimSuffix(u.Path, "/"))
	if seg == "." || seg == "/" {
		return ""
	}
	return seg
}

func (w *writer) Close() error { return nil }

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
