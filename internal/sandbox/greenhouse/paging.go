package greenhouse

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/internal/sandbox/fakehttp"
)

const (
	defaultPerPage = 100
	maxPerPage     = 500
)

type pageQuery struct {
	perPage   int
	page      int
	skipCount bool
}

// parsePage reads the documented paging parameters: per_page (1..500, default 100), page (the n-th
// chunk, from 1) and skip_count.
func parsePage(q url.Values) (pageQuery, []fieldError) {
	pq := pageQuery{perPage: defaultPerPage, page: 1, skipCount: q.Get("skip_count") == "true"}
	var errs []fieldError
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			errs = append(errs, fieldError{Message: "Must be an integer between 1 and 500", Field: "per_page"})
		}
		pq.perPage = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fieldError{Message: "Must be a positive integer", Field: "page"})
		}
		pq.page = n
	}
	return pq, errs
}

// writePage answers with the page of items that pq selects and the RFC 5988 Link header: next and prev
// where they exist and last unless skip_count=true. When everything fits on one page there is no
// header, as documented ("when this header is not set, there is only one page").
func writePage[T any](w http.ResponseWriter, r *http.Request, items []T, pq pageQuery) {
	lastPage := max(1, (len(items)+pq.perPage-1)/pq.perPage)
	start := min(len(items), (pq.page-1)*pq.perPage)
	end := min(len(items), start+pq.perPage)
	if lastPage > 1 || pq.page > 1 {
		var links []string
		if pq.page < lastPage {
			links = append(links, link(r, pq.page+1, pq.perPage, "next"))
		}
		if pq.page > 1 {
			links = append(links, link(r, min(pq.page-1, lastPage), pq.perPage, "prev"))
		}
		if !pq.skipCount {
			links = append(links, link(r, lastPage, pq.perPage, "last"))
		}
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	fakehttp.WriteJSON(w, http.StatusOK, nonNil(items[start:end]))
}

func link(r *http.Request, page, perPage int, rel string) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(perPage))
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
}

// timeParam reads an ISO-8601 timestamp parameter. Absent: ok with zero time.
func timeParam(q url.Values, name string, errs *[]fieldError) time.Time {
	v := q.Get(name)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	*errs = append(*errs, fieldError{Message: "Timestamp must be in ISO-8601 format", Field: name})
	return time.Time{}
}

// window is the created_/updated_ before/after filter pair: after is inclusive ("at or after"),
// before is exclusive ("before").
type window struct{ after, before time.Time }

func (w window) contains(t time.Time) bool {
	return (w.after.IsZero() || !t.Before(w.after)) && (w.before.IsZero() || t.Before(w.before))
}

func windowParams(q url.Values, prefix string, errs *[]fieldError) window {
	return window{after: timeParam(q, prefix+"_after", errs), before: timeParam(q, prefix+"_before", errs)}
}

func idParam(q url.Values, name string, errs *[]fieldError) int64 {
	v := q.Get(name)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		*errs = append(*errs, fieldError{Message: "Must be a positive integer", Field: name})
	}
	return id
}
