package bamboohr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// chunk is how many employees one fetch of a read asks for, one request each.
const chunk = 50

// Read opens a snapshot read of employees: the ids of GET /employees/directory (the company's current
// employees), then GET /employees/{id}?fields=... for each, as the reader asks for records. Every
// record has the field id (text) and each configured field (null when empty), lastChanged as a
// time.Time. A terminated employee leaves the directory, so a mirror sync sees it as removed: use
// on_delete: soft on its targets to deactivate rather than delete.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if err := checkStream(req.Stream); err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	var (
		ids    []string
		listed bool
	)
	return rest.NewReader(func(ctx context.Context) ([]connector.Record, error) {
		if !listed {
			var err error
			if ids, err = c.directoryIDs(ctx); err != nil {
				return nil, fmt.Errorf("read %s: %w", stream, err)
			}
			listed = true
		}
		if len(ids) == 0 {
			return nil, connector.EOF
		}
		n := min(chunk, len(ids))
		recs, err := c.employees(ctx, ids[:n])
		ids = ids[n:]
		return recs, err
	}, rest.ReaderOptions{BatchSize: req.BatchSize, Unique: []string{"id"}}), nil
}

// ReadCursor reads the employees changed at or after From[0]: GET /employees/changed/?since=... (UTC,
// whole seconds, rounded down), whose answer lists every employee whose record, employment status,
// job information or compensation changed since then, inserted or updated (deleted ones are skipped:
// they have no fields left to read; the reconcile snapshot removes them). Each is then read with its
// fields, and the records are ordered by (lastChanged, id) here. Without From it reads the directory,
// like Read. The cursor must be [lastChanged].
func (c *Conn) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	fail := func(err error) error { return fmt.Errorf("read %s: %w", req.Stream, err) }
	if err := checkStream(req.Stream); err != nil {
		return nil, fail(err)
	}
	if len(req.Cursor) != 1 || req.Cursor[0] != cursorField {
		return nil, fail(fmt.Errorf("BambooHR reads changes by lastChanged; set the sync's cursor to [lastChanged] (it is %v)", req.Cursor))
	}
	from := append([]any(nil), req.From...)
	var since time.Time
	if len(from) > 0 && from[0] != nil {
		t, ok := from[0].(time.Time)
		if !ok {
			if t, ok = parseTime(from[0]); !ok {
				return nil, fail(fmt.Errorf("cursor position %v (%T) is not a time", from[0], from[0]))
			}
		}
		since, from[0] = t.UTC(), t.UTC()
	}
	done := false
	return rest.NewReader(func(ctx context.Context) ([]connector.Record, error) {
		if done {
			return nil, connector.EOF
		}
		done = true
		var ids []string
		var err error
		if since.IsZero() {
			ids, err = c.directoryIDs(ctx)
		} else {
			ids, err = c.changedIDs(ctx, since)
		}
		if err != nil {
			return nil, fail(err)
		}
		recs, err := c.employees(ctx, ids)
		if err != nil {
			return nil, err
		}
		out, err := rest.CursorSlice(recs, req.Cursor, req.Key, from)
		if err != nil {
			return nil, fail(err)
		}
		return out, nil
	}, rest.ReaderOptions{BatchSize: req.BatchSize, Unique: []string{"id"}}), nil
}

// employees reads the fields of each id, skipping employees deleted meanwhile.
func (c *Conn) employees(ctx context.Context, ids []string) ([]connector.Record, error) {
	out := make([]connector.Record, 0, len(ids))
	for _, id := range ids {
		rec, err := c.employee(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read %s: employee %s: %w", stream, id, err)
		}
		if rec != nil {
			out = append(out, rec)
		}
	}
	return out, nil
}

// directoryIDs lists the ids of the company directory. BambooHR lets an account turn the directory
// off (403): the error says so.
func (c *Conn) directoryIDs(ctx context.Context) ([]string, error) {
	v, resp, err := c.getJSON(ctx, c.api.URL("/employees/directory", nil))
	if err != nil {
		if resp != nil && resp.StatusCode == 403 {
			return nil, fmt.Errorf("%w; the API key's user may not see the employee directory, or the directory is turned off for this account", err)
		}
		return nil, err
	}
	items, err := rest.Items(v, "employees")
	if err != nil {
		return nil, fmt.Errorf("employee directory: %w", err)
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		m, _ := rest.Value(it).(map[string]any)
		id, ok := idText(m["id"])
		if !ok {
			return nil, errors.New("employee directory: an entry has no id")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// changedIDs lists the employees inserted or updated since t, by id.
func (c *Conn) changedIDs(ctx context.Context, t time.Time) ([]string, error) {
	q := url.Values{"since": {t.Truncate(time.Second).Format("2006-01-02T15:04:05Z")}}
	v, _, err := c.getJSON(ctx, c.api.URL("/employees/changed/", q))
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	emps, ok := m["employees"].(map[string]any)
	if !ok && m["employees"] != nil {
		// An empty result may come as [] from a PHP backend.
		if l, isList := m["employees"].([]any); !isList || len(l) > 0 {
			return nil, fmt.Errorf("changed employees: \"employees\" is not an object keyed by id")
		}
	}
	ids := make([]string, 0, len(emps))
	for key, e := range emps {
		entry, _ := e.(map[string]any)
		if action, _ := entry["action"].(string); strings.EqualFold(action, "deleted") {
			continue
		}
		id, ok := idText(rest.Value(entry["id"]))
		if !ok {
			id = key
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}
