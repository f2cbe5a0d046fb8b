package http

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/onewaysync/oneway/connector"
)

// Pagination types.
const (
	PageNone   = ""       // the first response holds every record
	PageNumber = "page"   // ?page=1, 2, 3 ... until an empty page
	PageOffset = "offset" // ?offset=0, n, 2n ... until an empty page
	PageCursor = "cursor" // a token in the body, sent back in a query parameter, until none
	PageLink   = "link"   // a next URL: the Link header's rel="next", or a field of the body
)

// Pagination says how a collection is split into pages.
type Pagination struct {
	Type string
	// Param is the page-number (default "page") or offset (default "offset") query parameter.
	Param string
	// Start is the first page number: 1 for most APIs (the settings' default), 0 for some.
	Start int
	// SizeParam and Size ask for a page size (e.g. per_page=500); both optional.
	SizeParam string
	Size      int
	// CursorPath is where the next token is in the body (cursor pagination), e.g. "meta.next_cursor";
	// NextParam is the query parameter it is sent back in (default "cursor").
	CursorPath string
	NextParam  string
	// NextPath, for link pagination, is where the next URL is in the body (e.g. "nextRecordsUrl");
	// empty: the Link header's rel="next".
	NextPath string
}

// Check reports the first inconsistent setting, naming it.
func (p Pagination) Check() (key string, err error) {
	switch p.Type {
	case PageNone, PageNumber, PageOffset, PageLink:
	case PageCursor:
		if p.CursorPath == "" {
			return "cursor_path", fmt.Errorf("cursor pagination needs cursor_path: where the next token is in the response")
		}
	default:
		return "type", fmt.Errorf("unknown pagination type %q (known: page, offset, cursor, link)", p.Type)
	}
	if p.Size < 0 {
		return "size", fmt.Errorf("must not be negative")
	}
	if p.Size > 0 && p.SizeParam == "" {
		return "size_param", fmt.Errorf("size is set but size_param (the query parameter that carries it) is not")
	}
	return "", nil
}

// Pages reads a collection page by page. It is used by one goroutine.
//
// Page and offset pagination stop at the first empty page, never at a short one: an API that caps the
// page size below the one asked for would otherwise end the read early, and the engine would take the
// records it never saw for deleted.
type Pages struct {
	api     *API
	p       Pagination
	records string
	next    *url.URL // nil after the last page
	page    int
	offset  int
	prev    [32]byte // hash of the last page's items (page and offset pagination)
}

// Pages starts reading the collection at first. records is the JSON path of the array of records in
// each response ("" when the body is the array).
func (a *API) Pages(first *url.URL, p Pagination, records string) *Pages {
	u := *first
	q := u.Query()
	ps := &Pages{api: a, p: p, records: records, next: &u, page: p.Start}
	switch p.Type {
	case PageNumber:
		q.Set(ps.param("page"), strconv.Itoa(ps.page))
	case PageOffset:
		q.Set(ps.param("offset"), "0")
	}
	if p.SizeParam != "" && p.Size > 0 {
		q.Set(p.SizeParam, strconv.Itoa(p.Size))
	}
	u.RawQuery = q.Encode()
	return ps
}

func (ps *Pages) param(def string) string {
	if ps.p.Param != "" {
		return ps.p.Param
	}
	return def
}

// Next fetches the next page and returns its items as decoded JSON values (see Value and RecordOf),
// then io.EOF after the last page.
func (ps *Pages) Next(ctx context.Context) ([]any, error) {
	if ps.next == nil {
		return nil, io.EOF
	}
	cur := ps.next
	ps.next = nil
	body, resp, err := ps.api.GetJSON(ctx, cur)
	if err != nil {
		return nil, err
	}
	items, err := Items(body, ps.records)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", cur.Redacted(), err)
	}
	if (ps.p.Type == PageNumber || ps.p.Type == PageOffset) && len(items) > 0 {
		// An API that ignores the page or offset parameter serves the first page for ever, and the
		// reader's de-duplication would hide it: the read would never end.
		b, err := connector.CanonicalJSON(items)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", cur.Redacted(), err)
		}
		h := sha256.Sum256(b)
		if h == ps.prev {
			return nil, fmt.Errorf("GET %s: the same records as the page before; the API does not seem to take the %q parameter (check pagination)", cur.Redacted(), ps.param(ps.p.Type))
		}
		ps.prev = h
	}
	var next *url.URL
	switch ps.p.Type {
	case PageNumber:
		if len(items) > 0 {
			ps.page++
			next = withParam(cur, ps.param("page"), strconv.Itoa(ps.page))
		}
	case PageOffset:
		if len(items) > 0 {
			ps.offset += len(items)
			next = withParam(cur, ps.param("offset"), strconv.Itoa(ps.offset))
		}
	case PageCursor:
		v, _ := Lookup(body, ps.p.CursorPath)
		if token, ok := Scalar(v); ok && token != "" {
			name := ps.p.NextParam
			if name == "" {
				name = "cursor"
			}
			next = withParam(cur, name, token)
		}
	case PageLink:
		ref := NextLink(resp.Header)
		if ps.p.NextPath != "" {
			v, _ := Lookup(body, ps.p.NextPath)
			ref, _ = Scalar(v)
		}
		if ref != "" {
			if next, err = ps.api.Follow(ref, cur); err != nil {
				return nil, err
			}
		}
	}
	if next != nil && next.String() == cur.String() {
		return nil, fmt.Errorf("GET %s: the response links to itself as the next page; stopping instead of looping", cur.Redacted())
	}
	ps.next = next
	return items, nil
}

// Items returns the array at path in a decoded body; a null there is an empty page.
func Items(body any, path string) ([]any, error) {
	v, ok := Lookup(body, path)
	if !ok {
		return nil, fmt.Errorf("the response has no %q holding the records (check the records path)", path)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	}
	where := "the response body"
	if path != "" {
		where = fmt.Sprintf("%q in the response", path)
	}
	return nil, fmt.Errorf("%s is %s, not an array of records", where, kindOf(v))
}

func withParam(u *url.URL, name, value string) *url.URL {
	out := *u
	q := out.Query()
	q.Set(name, value)
	out.RawQuery = q.Encode()
	return &out
}
