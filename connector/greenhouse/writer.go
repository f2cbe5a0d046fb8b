package greenhouse

import (
	"context"
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// editFields are the body fields of PATCH /candidates/{id} (Edit Candidate); POST /candidates (Add
// Candidate) takes them and postOnly.
var (
	editFields = []string{"addresses", "company", "coordinator", "custom_fields", "email_addresses", "first_name",
		"is_private", "last_name", "phone_numbers", "recruiter", "social_media_addresses", "tags", "title", "website_addresses"}
	postOnly = []string{"activity_feed_notes", "applications", "educations", "employments"}
)

// lookupOnly is a record field used to find a candidate (match: [email]) and never sent: Harvest
// candidates have email_addresses, not email.
const lookupOnly = "email"

// OpenWriter prepares writes to the stream candidates. It takes no options. Writes are made on behalf
// of the on_behalf_of user (required: Harvest audits every write). Match may be [email]: a Create
// first looks for a candidate with one of the record's e-mail addresses and adopts it. Append is not
// supported (a candidate is never "appended").
func (c *Conn) OpenWriter(_ context.Context, req connector.WriteRequest) (connector.Writer, error) {
	fail := func(err error) error { return fmt.Errorf("open writer on greenhouse %s: %w", req.Stream, err) }
	if err := req.Options.Check(); err != nil {
		return nil, fail(err)
	}
	if req.Stream != "candidates" {
		return nil, fail(errors.New("only the stream candidates can be written to in Greenhouse"))
	}
	if req.Append {
		return nil, fail(fmt.Errorf("mode append: %w", connector.ErrUnsupported))
	}
	if c.onBehalfOf == "" {
		return nil, fail(&connector.SettingError{Key: "on_behalf_of", Err: errors.New("is required to write: Harvest makes every write on behalf of a user; set the id of a Greenhouse user")})
	}
	switch {
	case len(req.Match) == 0:
	case len(req.Match) == 1 && req.Match[0] == lookupOnly:
	default:
		return nil, fail(fmt.Errorf("match %v: %w (Greenhouse finds candidates by email only: use match: [email])", req.Match, connector.ErrUnsupported))
	}
	return &writer{c: c, key: req.Key, match: len(req.Match) > 0, header: nethttp.Header{"On-Behalf-Of": {c.onBehalfOf}}}, nil
}

// writer writes candidates one request at a time (Harvest has no batch endpoint).
//
// The body holds the record's fields that the request documents; a key field or email that is not
// one is not sent (it identifies the record for oneway only), and any other field is an error (a typo
// would otherwise be dropped in silence).
//
// Create: POST /candidates with the record as the body (Harvest requires first_name, last_name and at
// least one application: map applications: [{"job_id": ...}]); Result.ID is the new candidate's id.
// With match [email], the e-mails of the record's email field and email_addresses are first looked
// up with GET /candidates?email=...: a single candidate found is adopted (edited, its id returned),
// several are an error. Update and SoftDelete: PATCH /candidates/{id} without the POST-only fields; a
// 404 is connector.ErrNotFound. Delete: DELETE /candidates/{id}; a 404 is success. A change without a
// Greenhouse id (the ledger has none) is looked up by e-mail when match is set, and an error
// otherwise. 422 validation errors are permanent and carry Harvest's message; 429 and 5xx are
// transient.
type writer struct {
	c      *Conn
	key    []string
	match  bool
	header nethttp.Header
}

// NonIdempotent: a POST sent twice makes two candidates, unless match finds the first one.
func (w *writer) NonIdempotent() bool { return !w.match }

func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	return rest.ApplyEach(ctx, batch, w.apply)
}

func (w *writer) Close() error { return nil }

func (w *writer) apply(ctx context.Context, ch connector.Change) (string, error) {
	fail := func(err error) error {
		return fmt.Errorf("%s of greenhouse candidate with key %v: %w", ch.Action, ch.Key, err)
	}
	id := ch.ID
	if ch.Action == connector.Create {
		id = "" // a create after a delete: the old id is gone
	}
	if id == "" && w.match {
		found, err := w.lookup(ctx, ch.Record)
		if err != nil {
			return "", fail(err)
		}
		id = found
	}
	switch ch.Action {
	case connector.Create:
		if id != "" {
			return id, wrap(fail, w.patch(ctx, id, ch.Record))
		}
		return w.create(ctx, ch.Record, fail)
	case connector.Update, connector.SoftDelete:
		if id == "" {
			if w.match {
				return "", fail(fmt.Errorf("no candidate has the record's e-mail: %w", connector.ErrNotFound))
			}
			return "", fail(errors.New("the ledger holds no Greenhouse id for this record; set match: [email] to find it"))
		}
		err := w.patch(ctx, id, ch.Record)
		return id, wrap(fail, err)
	case connector.Delete:
		if id == "" {
			if w.match {
				return "", nil // nothing to delete
			}
			return "", fail(errors.New("the ledger holds no Greenhouse id for this record; set match: [email] to find it"))
		}
		resp, _, err := w.c.api.Do(ctx, nethttp.MethodDelete, w.candidateURL(id), nil, w.header)
		if rest.NotFound(resp) {
			return id, nil
		}
		return id, wrap(fail, err)
	}
	return "", fail(fmt.Errorf("unknown action %v", ch.Action))
}

func wrap(fail func(error) error, err error) error {
	if err == nil {
		return nil
	}
	return fail(err)
}

func (w *writer) candidateURL(id string) *url.URL {
	return w.c.api.URL("/candidates/"+url.PathEscape(id), nil)
}

func (w *writer) create(ctx context.Context, rec connector.Record, fail func(error) error) (string, error) {
	fields, err := w.body(rec, true)
	if err != nil {
		return "", fail(err)
	}
	body, err := rest.Encode(fields)
	if err != nil {
		return "", fail(err)
	}
	_, data, err := w.c.api.Do(ctx, nethttp.MethodPost, w.c.api.URL("/candidates", nil), body, w.header)
	if err != nil {
		return "", fail(err)
	}
	v, err := rest.Decode(data)
	if err != nil {
		return "", fail(fmt.Errorf("created, but the answer is not JSON: %w", err))
	}
	m, _ := v.(map[string]any)
	id, ok := rest.Scalar(m["id"])
	if !ok || id == "" {
		return "", fail(errors.New("created, but the answer has no candidate id"))
	}
	return id, nil
}

// patch edits a candidate; a 404 is connector.ErrNotFound.
func (w *writer) patch(ctx context.Context, id string, rec connector.Record) error {
	fields, err := w.body(rec, false)
	if err != nil {
		return err
	}
	body, err := rest.Encode(fields)
	if err != nil {
		return err
	}
	resp, _, err := w.c.api.Do(ctx, nethttp.MethodPatch, w.candidateURL(id), body, w.header)
	if rest.NotFound(resp) {
		return fmt.Errorf("candidate %s: %w: %v", id, connector.ErrNotFound, err)
	}
	return err
}

// lookup finds the candidate with one of the record's e-mails: "" when none has any, an error when
// several do.
func (w *writer) lookup(ctx context.Context, rec connector.Record) (string, error) {
	emails := emailsOf(rec)
	if len(emails) == 0 {
		return "", nil
	}
	var ids []string
	for _, e := range emails {
		v, _, err := w.c.api.GetJSON(ctx, w.c.api.URL("/candidates", url.Values{"email": {e}, "per_page": {"10"}}))
		if err != nil {
			return "", fmt.Errorf("look up candidate by e-mail: %w", err)
		}
		items, err := rest.Items(v, "")
		if err != nil {
			return "", fmt.Errorf("look up candidate by e-mail: %w", err)
		}
		for _, it := range objects(items) {
			if id, ok := idOf(it["id"]); ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("candidates %s share the record's e-mail; cannot choose one to adopt", strings.Join(ids, ", "))
}

// emailsOf returns the record's e-mails: its email field, then the values of email_addresses.
func emailsOf(rec connector.Record) []string {
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" && !slices.Contains(out, strings.TrimSpace(s)) {
			out = append(out, strings.TrimSpace(s))
		}
	}
	add(rec[lookupOnly])
	if list, ok := rec["email_addresses"].([]any); ok {
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				add(m["value"])
			}
		}
	}
	return out
}

// body keeps the fields Add Candidate (create) or Edit Candidate takes. POST-only fields are left
// out of an edit; key fields and email are left out when not documented fields; anything else is an
// error.
func (w *writer) body(rec connector.Record, create bool) (map[string]any, error) {
	out := make(map[string]any, len(rec))
	var unknown []string
	for k, v := range rec {
		switch {
		case slices.Contains(editFields, k), create && slices.Contains(postOnly, k):
			out[k] = v
		case slices.Contains(postOnly, k), k == lookupOnly, slices.Contains(w.key, k):
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("%s not a field of Harvest candidates (they are %s, and on create %s)",
			strings.Join(unknown, ", ")+map[bool]string{true: " is", false: " are"}[len(unknown) == 1],
			strings.Join(editFields, ", "), strings.Join(postOnly, ", "))
	}
	return out, nil
}

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
