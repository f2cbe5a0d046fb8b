package bamboohr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// OpenWriter prepares writes to employees. It takes no options. Match may name employee fields
// (typically [workEmail] or [employeeNumber]): a Create first looks for a current employee with the
// same values and adopts it. Append is not supported.
func (c *Conn) OpenWriter(_ context.Context, req connector.WriteRequest) (connector.Writer, error) {
	fail := func(err error) error { return fmt.Errorf("open writer on bamboohr %s: %w", req.Stream, err) }
	if err := req.Options.Check(); err != nil {
		return nil, fail(err)
	}
	if err := checkStream(req.Stream); err != nil {
		return nil, fail(err)
	}
	if req.Append {
		return nil, fail(fmt.Errorf("mode append: %w", connector.ErrUnsupported))
	}
	for _, f := range req.Match {
		if !fieldRE.MatchString(f) {
			return nil, fail(fmt.Errorf("match field %q is not a BambooHR field name", f))
		}
	}
	return &writer{c: c, match: req.Match}, nil
}

// writer writes employees one request at a time.
//
// Create: POST /employees/ with the record's fields; BambooHR answers 201 with the new employee's URL
// in the Location header, whose last segment is Result.ID. With match, the current employees (the
// directory, each read for the match fields when the directory lacks them) are indexed once per
// writer, and a create whose match values are found updates that employee instead. Update and
// SoftDelete: POST /employees/{id} with the fields (fields not sent are left as they are); a 404 is
// connector.ErrNotFound. Delete is refused per record (wrapping connector.ErrUnsupported): BambooHR's
// API does not delete employees; map removals to fields with on_delete: soft (status: Inactive,
// terminationDate). Values are sent as text: numbers and booleans as written, times as dates
// (YYYY-MM-DD), null clears a field; objects and lists are an error. BambooHR's reason
// (X-BambooHR-Error-Message) is part of every error.
type writer struct {
	c     *Conn
	match []string
	index map[string]string // encoded match values -> employee id ("" when several share them)
}

// NonIdempotent: a POST sent twice makes two employees, unless match finds the first one.
func (w *writer) NonIdempotent() bool { return len(w.match) == 0 }

func (w *writer) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	return rest.ApplyEach(ctx, batch, w.apply)
}

func (w *writer) Close() error { return nil }

func (w *writer) apply(ctx context.Context, ch connector.Change) (string, error) {
	fail := func(err error) error {
		return fmt.Errorf("%s of bamboohr employee with key %v: %w", ch.Action, ch.Key, err)
	}
	if ch.Action == connector.Delete {
		return "", fail(fmt.Errorf("BambooHR's API does not delete employees: %w; use on_delete: soft with status: Inactive", connector.ErrUnsupported))
	}
	body, err := encode(ch.Record)
	if err != nil {
		return "", fail(err)
	}
	id := ch.ID
	if ch.Action == connector.Create {
		id = ""
	}
	if id == "" && len(w.match) > 0 {
		if id, err = w.lookup(ctx, ch.Record); err != nil {
			return "", fail(err)
		}
	}
	if ch.Action == connector.Create && id == "" {
		resp, _, err := w.c.api.Do(ctx, nethttp.MethodPost, w.c.api.URL("/employees/", nil), body, nil)
		if err != nil {
			return "", fail(err)
		}
		newID := rest.LocationID(resp)
		if _, perr := strconv.Atoi(newID); perr != nil {
			return "", fail(fmt.Errorf("created, but the answer's Location header %q holds no employee id", resp.Header.Get("Location")))
		}
		w.remember(ch.Record, newID)
		return newID, nil
	}
	if id == "" {
		if len(w.match) > 0 {
			return "", fail(fmt.Errorf("no current employee has the record's %s: %w", strings.Join(w.match, ", "), connector.ErrNotFound))
		}
		return "", fail(errors.New("the ledger holds no BambooHR id for this record; set match (e.g. [workEmail]) to find it"))
	}
	resp, _, err := w.c.api.Do(ctx, nethttp.MethodPost, w.c.api.URL("/employees/"+url.PathEscape(id), nil), body, nil)
	if rest.NotFound(resp) {
		return "", fail(fmt.Errorf("employee %s: %w: %v", id, connector.ErrNotFound, err))
	}
	if err != nil {
		return "", fail(err)
	}
	return id, nil
}

// lookup returns the id of the current employee with the record's match values, "" when none.
func (w *writer) lookup(ctx context.Context, rec connector.Record) (string, error) {
	key, ok := matchKey(rec, w.match)
	if !ok {
		return "", nil // the record lacks a match value: nothing to look up
	}
	if w.index == nil {
		if err := w.build(ctx); err != nil {
			return "", fmt.Errorf("look up employees by %s: %w", strings.Join(w.match, ", "), err)
		}
	}
	id, found := w.index[key]
	if found && id == "" {
		return "", fmt.Errorf("several employees have the record's %s; cannot choose one to adopt", strings.Join(w.match, ", "))
	}
	return id, nil
}

// build indexes the current employees by their match values.
func (w *writer) build(ctx context.Context) error {
	v, _, err := w.c.getJSON(ctx, w.c.api.URL("/employees/directory", nil))
	if err != nil {
		return err
	}
	items, err := rest.Items(v, "employees")
	if err != nil {
		return fmt.Errorf("employee directory: %w", err)
	}
	index := map[string]string{}
	for _, it := range items {
		row, _ := rest.Value(it).(map[string]any)
		id, ok := idText(row["id"])
		if !ok {
			continue
		}
		rec := connector.Record(row)
		if !hasAll(row, w.match) {
			u := w.c.api.URL("/employees/"+url.PathEscape(id), url.Values{"fields": {strings.Join(w.match, ",")}})
			ev, resp, err := w.c.getJSON(ctx, u)
			if rest.NotFound(resp) {
				continue
			}
			if err != nil {
				return err
			}
			if rec, err = rest.RecordOf(ev); err != nil {
				return err
			}
		}
		if key, ok := matchKey(rec, w.match); ok {
			if _, dup := index[key]; dup {
				id = ""
			}
			index[key] = id
		}
	}
	w.index = index
	return nil
}

// remember adds a created employee to the index, so that the same batch cannot create it twice.
func (w *writer) remember(rec connector.Record, id string) {
	if w.index == nil {
		return
	}
	if key, ok := matchKey(rec, w.match); ok {
		w.index[key] = id
	}
}

func hasAll(row map[string]any, fields []string) bool {
	for _, f := range fields {
		if _, ok := row[f]; !ok {
			return false
		}
	}
	return true
}

// matchKey encodes the match values, compared without regard to case (e-mail addresses); ok is false
// when one is missing or empty.
func matchKey(rec connector.Record, fields []string) (string, bool) {
	parts := make([]string, len(fields))
	for i, f := range fields {
		s, err := text(rec[f])
		if err != nil || s == nil || strings.TrimSpace(*s) == "" {
			return "", false
		}
		parts[i] = strings.ToLower(strings.TrimSpace(*s))
	}
	b, _ := json.Marshal(parts)
	return string(b), true
}

// encode renders a record as BambooHR's JSON body of field values.
func encode(rec connector.Record) ([]byte, error) {
	body := make(map[string]any, len(rec))
	for k, v := range rec {
		s, err := text(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		if s == nil {
			body[k] = nil
		} else {
			body[k] = *s
		}
	}
	return rest.Encode(body)
}

// text renders a value as BambooHR field text; nil for null.
func text(v any) (*string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case time.Time:
		s = x.UTC().Format(time.DateOnly)
	case bool:
		s = strconv.FormatBool(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	default:
		return nil, fmt.Errorf("a %T cannot be an employee field (BambooHR fields hold text, numbers and dates)", v)
	}
	return &s, nil
}

var (
	_ connector.Writer        = (*writer)(nil)
	_ connector.NonIdempotent = (*writer)(nil)
)
