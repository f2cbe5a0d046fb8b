package http

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// stream is one entry of the streams setting: where a collection is and how to page through it.
type stream struct {
	name    string
	path    string
	query   url.Values
	records string
	pag     Pagination
	since   *since // nil: snapshot reads only
}

// since is a stream's updated-since filter: the query parameter, how its value is written, and the
// record field it filters on (the sync's cursor).
type since struct {
	param  string
	format string
	field  string
}

// Time formats of updated_since.format (any other value is a Go time layout such as "2006-01-02 15:04").
const (
	formatRFC3339 = "rfc3339"
	formatDate    = "date"
	formatUnix    = "unix"
	formatUnixMS  = "unix_ms"
	formatRaw     = "raw"
)

func parseStream(name string, s connector.Settings) (*stream, error) {
	if err := s.Check("pagination", "path", "query", "records", "updated_since"); err != nil {
		return nil, err
	}
	st := &stream{name: name}
	var err error
	if st.path, err = s.RequiredString("path"); err != nil {
		return nil, err
	}
	if strings.Contains(st.path, "?") || strings.Contains(st.path, "://") {
		return nil, &connector.SettingError{Key: "path", Err: errors.New("must be a path below url, without a query (put parameters under query)")}
	}
	q, err := StringMap(s, "query")
	if err != nil {
		return nil, err
	}
	st.query = url.Values{}
	for k, v := range q {
		st.query.Set(k, v)
	}
	if st.records, err = s.String("records", ""); err != nil {
		return nil, err
	}
	if st.pag, err = parsePagination(s); err != nil {
		return nil, err
	}
	if st.since, err = parseSince(s); err != nil {
		return nil, err
	}
	return st, nil
}

func parsePagination(s connector.Settings) (Pagination, error) {
	var p Pagination
	ps, err := Sub(s, "pagination")
	if err != nil || ps == nil {
		return p, err
	}
	fail := func(err error) (Pagination, error) { return p, Prefix("pagination", err) }
	if err := ps.Check("cursor_path", "next_param", "next_path", "param", "size", "size_param", "start", "type"); err != nil {
		return fail(err)
	}
	for key, dst := range map[string]*string{"type": &p.Type, "param": &p.Param, "size_param": &p.SizeParam,
		"cursor_path": &p.CursorPath, "next_param": &p.NextParam, "next_path": &p.NextPath} {
		if *dst, err = ps.String(key, ""); err != nil {
			return fail(err)
		}
	}
	if p.Type == "" {
		return fail(&connector.SettingError{Key: "type", Err: errors.New("is required: page, offset, cursor or link")})
	}
	if p.Start, err = ps.Int("start", 1); err != nil {
		return fail(err)
	}
	if p.Size, err = ps.Int("size", 0); err != nil {
		return fail(err)
	}
	if key, err := p.Check(); err != nil {
		return fail(&connector.SettingError{Key: key, Err: err})
	}
	return p, nil
}

func parseSince(s connector.Settings) (*since, error) {
	ss, err := Sub(s, "updated_since")
	if err != nil || ss == nil {
		return nil, err
	}
	fail := func(err error) (*since, error) { return nil, Prefix("updated_since", err) }
	if err := ss.Check("field", "format", "param"); err != nil {
		return fail(err)
	}
	sn := &since{}
	if sn.param, err = ss.RequiredString("param"); err != nil {
		return fail(err)
	}
	if sn.format, err = ss.String("format", formatRFC3339); err != nil {
		return fail(err)
	}
	switch sn.format {
	case formatRFC3339, formatDate, formatUnix, formatUnixMS, formatRaw:
	default:
		if !strings.Contains(sn.format, "2006") {
			return fail(&connector.SettingError{Key: "format", Err: fmt.Errorf("unknown format %q (rfc3339, date, unix, unix_ms, raw, or a Go time layout such as 2006-01-02T15:04:05)", sn.format)})
		}
	}
	if sn.field, err = ss.String("field", "updated_at"); err != nil {
		return fail(err)
	}
	return sn, nil
}

// isTime reports whether the format describes instants (the field's values become time.Time).
func (sn *since) isTime() bool { return sn.format != formatRaw }

// value writes a cursor position value as the query parameter. Times are truncated to the format's
// precision, which moves the bound down and keeps the filter inclusive.
func (sn *since) value(v any) (string, error) {
	if sn.format == formatRaw {
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
		if s, ok := Scalar(v); ok {
			return s, nil
		}
		return "", fmt.Errorf("cannot write %T %v as a query parameter", v, v)
	}
	t, ok := sn.toTime(v)
	if !ok {
		return "", fmt.Errorf("cursor value %v (%T) is not a time; use updated_since.format: raw for a non-time cursor", v, v)
	}
	t = t.UTC()
	switch sn.format {
	case formatRFC3339:
		return t.Truncate(time.Second).Format(time.RFC3339), nil
	case formatDate:
		return t.Format("2006-01-02"), nil
	case formatUnix:
		return strconv.FormatInt(t.Unix(), 10), nil
	case formatUnixMS:
		return strconv.FormatInt(t.UnixMilli(), 10), nil
	}
	return t.Format(sn.format), nil
}

// toTime reads a record's (or a position's) value of the field as a time, per the format.
func (sn *since) toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		for _, layout := range sn.layouts() {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	case int64, float64:
		f, _ := float(x)
		switch sn.format {
		case formatUnix:
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
		case formatUnixMS:
			return time.UnixMilli(int64(f)).UTC(), true
		}
	}
	return time.Time{}, false
}

func (sn *since) layouts() []string {
	switch sn.format {
	case formatRFC3339, formatUnix, formatUnixMS:
		return []string{time.RFC3339Nano}
	case formatDate:
		return []string{"2006-01-02", time.RFC3339Nano}
	}
	return []string{sn.format, time.RFC3339Nano}
}

// convert turns the stream's updated-since field into a time.Time in every record read, snapshot or
// cursor alike, so that the same record always hashes the same; values that do not parse stay as
// they are.
func (st *stream) convert(r connector.Record) {
	if st.since == nil || !st.since.isTime() {
		return
	}
	if v, ok := r[st.since.field]; ok && v != nil {
		if t, ok := st.since.toTime(v); ok {
			r[st.since.field] = t
		}
	}
}
