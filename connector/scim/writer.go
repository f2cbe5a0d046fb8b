package scim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Update methods (the target option update_method).
const (
	updateAuto  = "auto"  // PATCH unless ServiceProviderConfig says patch.supported is false
	updatePatch = "patch" // always PATCH
	updatePut   = "put"   // always read, merge and PUT with If-Match
)

// OpenWriter opens a writer on a stream, Users or Groups. Target options:
//
//	update_method  auto | patch | put  how Update and SoftDelete change a resource (default auto)
//
// Append mode is unsupported (a SCIM resource is identified by its unique attributes, so two creates
// with the same key are one resource): the error wraps connector.ErrUnsupported. Match and key fields must
// be SCIM attribute paths; they are looked up with an eq filter.
func (c *Conn) OpenWriter(_ context.Context, req connector.WriteRequest) (connector.Writer, error) {
	rt, err := lookupResourceType(req.Stream)
	if err != nil {
		return nil, err
	}
	if err := req.Options.Check("update_method"); err != nil {
		return nil, err
	}
	method, err := req.Options.String("update_method", updateAuto)
	if err != nil {
		return nil, err
	}
	switch method {
	case updateAuto, updatePatch, updatePut:
	default:
		return nil, &connector.SettingError{Key: "update_method", Err: fmt.Errorf("unknown value %q (want auto, patch or put)", method)}
	}
	if req.Append {
		return nil, fmt.Errorf("scim %s: append mode: %w (a resource is identified by its unique attributes; use mode mirror, upsert or create)", rt.name, connector.ErrUnsupported)
	}
	if err := checkAttrPaths("match", req.Match); err != nil {
		return nil, err
	}
	if err := checkAttrPaths("key", req.Key); err != nil {
		return nil, err
	}
	return &Writer{c: c, rt: rt, key: req.Key, match: req.Match, method: method}, nil
}

// Writer applies changes to one resource type, one HTTP request (or a few) per change, in order.
//
// Create looks the resource up by the match fields first, when the sync has match, and adopts it; else it
// POSTs, and on 409 (uniqueness) looks the resource up by the match fields, the key, or userName
// (displayName for Groups) and adopts it. Adopting sets the record's attributes on the existing resource
// and returns its id, so a lost ledger or a pre-filled server never gives duplicates.
//
// Update and SoftDelete address the resource by Change.ID (the SCIM id the ledger keeps), else by a
// lookup of the key; they PATCH "replace"/"remove" operations for the record's attributes (or read,
// merge and PUT). A resource that is not there gives an error wrapping connector.ErrNotFound. When the
// resource's version is known (meta.version or ETag), the request carries If-Match; on 412 the resource
// is read again and the request repeated once.
//
// Delete sends DELETE; a resource that is already gone is a success.
//
// Errors: HTTP 408, 429 and 5xx and network failures are transient (429 and 503 with the server's
// Retry-After); SCIM error bodies give the reason (status, scimType, detail). After a 401, a 403 or a
// Retry-After the rest of the batch is not sent: each of its changes gets the same error.
type Writer struct {
	c      *Conn
	rt     resourceType
	key    []string
	match  []string
	method string
}

// Apply applies the changes in order and returns one Result per change, Result.ID being the SCIM id.
func (w *Writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	results := make([]connector.Result, len(batch))
	var stop error
	for i, ch := range batch {
		if stop != nil {
			results[i].Err = httpclient.NotSentAfter(stop, "change")
			continue
		}
		id, err := w.apply(ctx, ch)
		results[i] = connector.Result{ID: id, Err: err}
		if err != nil && stopsBatch(ctx, err) {
			stop = err
		}
	}
	return results, nil
}

// stopsBatch reports whether err would fail every later change too: a server that asked to wait,
// credentials it refused, or the run ending.
func stopsBatch(ctx context.Context, err error) bool {
	if _, ok := connector.RetryAfterOf(err); ok {
		return true
	}
	switch statusOf(err) {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		return true
	}
	return ctx.Err() != nil
}

// Close does nothing: every change was sent by Apply.
func (w *Writer) Close() error { return nil }

func (w *Writer) apply(ctx context.Context, ch connector.Change) (string, error) {
	switch ch.Action {
	case connector.Create:
		return w.create(ctx, ch)
	case connector.Update, connector.SoftDelete:
		return w.update(ctx, ch)
	case connector.Delete:
		return w.delete(ctx, ch)
	}
	return "", fmt.Errorf("scim %s: unsupported action %v", w.rt.name, ch.Action)
}

func (w *Writer) create(ctx context.Context, ch connector.Change) (string, error) {
	if len(w.match) > 0 {
		vals, err := connector.KeyValues(ch.Record, w.match)
		if err != nil {
			return "", fmt.Errorf("scim %s: match: %w", w.rt.name, err)
		}
		found, err := w.lookup(ctx, w.match, vals)
		if err != nil {
			return "", err
		}
		if found != nil {
			return w.adopt(ctx, found, ch.Record)
		}
	}
	var body map[string]any
	header, err := w.c.call(ctx, http.MethodPost, w.rt.endpoint, nil, "", createBody(w.rt, ch.Record), &body)
	if err == nil {
		created, err := parseResource(body, header)
		if err != nil {
			return "", fmt.Errorf("POST %s: %w", w.rt.endpoint, err)
		}
		return created.ID, nil
	}
	if statusOf(err) != http.StatusConflict {
		return "", err
	}
	// Okta and Entra answer a duplicate with 409 (scimType uniqueness): the resource exists, so it is
	// adopted, as when the ledger was lost after a create.
	fields, vals, ok := w.identity(ch)
	if !ok {
		return "", err
	}
	found, lerr := w.lookup(ctx, fields, vals)
	if lerr != nil {
		return "", fmt.Errorf("%w; then looking the existing resource up failed: %v", err, lerr)
	}
	if found == nil {
		return "", fmt.Errorf("%w (no %s resource has %s, so another unique attribute is taken)", err, w.rt.name, describe(fields, vals))
	}
	return w.adopt(ctx, found, ch.Record)
}

// identity returns the fields and values that identify ch's resource after a 409: the match fields, else
// the key, else the resource type's unique attribute.
func (w *Writer) identity(ch connector.Change) ([]string, []any, bool) {
	if len(w.match) > 0 {
		vals, err := connector.KeyValues(ch.Record, w.match)
		return w.match, vals, err == nil
	}
	if len(w.key) > 0 && len(ch.Key) == len(w.key) {
		return w.key, ch.Key, true
	}
	vals, err := connector.KeyValues(ch.Record, []string{w.rt.identity})
	return []string{w.rt.identity}, vals, err == nil
}

// adopt sets rec's attributes on an existing resource and returns its id.
func (w *Writer) adopt(ctx context.Context, found *resource, rec connector.Record) (string, error) {
	w.c.log.Debug("adopting an existing SCIM resource", "stream", w.rt.name, "id", found.ID)
	return w.modify(ctx, found, rec)
}

func (w *Writer) update(ctx context.Context, ch connector.Change) (string, error) {
	found, err := w.locate(ctx, ch)
	if err != nil {
		return "", err
	}
	if found == nil {
		return "", fmt.Errorf("scim %s: %s: %w", w.rt.name, w.describeChange(ch), connector.ErrNotFound)
	}
	return w.modify(ctx, found, ch.Record)
}

func (w *Writer) delete(ctx context.Context, ch connector.Change) (string, error) {
	found, err := w.locate(ctx, ch)
	if err != nil || found == nil {
		return "", err
	}
	_, err = w.c.call(ctx, http.MethodDelete, w.path(found.ID), nil, "", nil, nil)
	if statusOf(err) == http.StatusNotFound {
		return found.ID, nil
	}
	return found.ID, err
}

// locate returns the resource a change addresses: by Change.ID (the version unknown), else by looking its
// key up; nil when the lookup finds none.
func (w *Writer) locate(ctx context.Context, ch connector.Change) (*resource, error) {
	if ch.ID != "" {
		return &resource{ID: ch.ID}, nil
	}
	fields := w.key
	if len(fields) == 0 || len(fields) != len(ch.Key) {
		return nil, fmt.Errorf("scim %s: the change has no SCIM id and no key to look the resource up by", w.rt.name)
	}
	return w.lookup(ctx, fields, ch.Key)
}

// modify sets rec's attributes on the resource: PATCH, or GET+merge+PUT where the server has no PATCH.
// A 412 (the resource changed since its version was read) reads it again and repeats the request once.
func (w *Writer) modify(ctx context.Context, target *resource, rec connector.Record) (string, error) {
	usePut, err := w.usePut(ctx)
	if err != nil {
		return "", err
	}
	send := w.patch
	if usePut {
		send = w.put
	}
	err = send(ctx, target, rec)
	if statusOf(err) == http.StatusPreconditionFailed {
		if target, err = w.get(ctx, target.ID); err == nil {
			err = send(ctx, target, rec)
			if statusOf(err) == http.StatusPreconditionFailed {
				err = connector.Transient(fmt.Errorf("%w (the resource kept changing while it was written; it is tried again later)", err))
			}
		}
	}
	if statusOf(err) == http.StatusNotFound {
		return "", fmt.Errorf("scim %s: resource %s: %w: %v", w.rt.name, target.ID, connector.ErrNotFound, err)
	}
	if err != nil {
		return "", err
	}
	return target.ID, nil
}

func (w *Writer) patch(ctx context.Context, target *resource, rec connector.Record) error {
	ops := patchOps(rec)
	if len(ops) == 0 {
		// Nothing to set; the resource must still exist for an Update to succeed.
		_, err := w.get(ctx, target.ID)
		return err
	}
	body := map[string]any{"schemas": []string{patchSchema}, "Operations": ops}
	_, err := w.c.call(ctx, http.MethodPatch, w.path(target.ID), nil, target.ETag, body, nil)
	return err
}

func (w *Writer) put(ctx context.Context, target *resource, rec connector.Record) error {
	if target.Body == nil {
		current, err := w.get(ctx, target.ID)
		if err != nil {
			return err
		}
		*target = *current
	}
	_, err := w.c.call(ctx, http.MethodPut, w.path(target.ID), nil, target.ETag, merged(w.rt, target.Body, rec), nil)
	return err
}

// get reads one resource by id. A missing one is an *apiError with status 404.
func (w *Writer) get(ctx context.Context, id string) (*resource, error) {
	var body map[string]any
	header, err := w.c.call(ctx, http.MethodGet, w.path(id), nil, "", nil, &body)
	if err != nil {
		return nil, err
	}
	return parseResource(body, header)
}

// usePut reports whether updates go through PUT, asking ServiceProviderConfig once per connection in
// auto mode. A server without that endpoint is assumed to support PATCH, as Okta and Entra expect.
func (w *Writer) usePut(ctx context.Context) (bool, error) {
	switch w.method {
	case updatePatch:
		return false, nil
	case updatePut:
		return true, nil
	}
	c := w.c
	c.mu.Lock()
	known := c.patch
	c.mu.Unlock()
	if known != nil {
		return !*known, nil
	}
	var config struct {
		Patch *struct {
			Supported bool `json:"supported"`
		} `json:"patch"`
	}
	_, err := c.call(ctx, http.MethodGet, "/ServiceProviderConfig", nil, "", nil, &config)
	if err != nil && (connector.IsRetryable(err) || ctx.Err() != nil) {
		return false, err
	}
	supported := err != nil || config.Patch == nil || config.Patch.Supported
	c.mu.Lock()
	c.patch = &supported
	c.mu.Unlock()
	return !supported, nil
}

func (w *Writer) path(id string) string { return w.rt.endpoint + "/" + url.PathEscape(id) }

func (w *Writer) describeChange(ch connector.Change) string {
	if ch.ID != "" {
		return "resource " + ch.ID
	}
	return describe(w.key, ch.Key)
}

var (
	_ connector.Target = (*Conn)(nil)
	_ connector.Writer = (*Writer)(nil)
)
