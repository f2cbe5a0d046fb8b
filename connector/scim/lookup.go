package scim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// lookup finds the one resource whose fields equal vals, or nil. More than one is an error: adopting
// either could merge two people into one account.
func (w *Writer) lookup(ctx context.Context, fields []string, vals []any) (*resource, error) {
	filter, err := filterFor(fields, vals)
	if err != nil {
		return nil, fmt.Errorf("scim %s: look up %s: %w", w.rt.name, describe(fields, vals), err)
	}
	query := url.Values{"filter": {filter}, "startIndex": {"1"}, "count": {"2"}}
	var page listResponse
	if _, err := w.c.call(ctx, http.MethodGet, w.rt.endpoint, query, "", nil, &page); err != nil {
		return nil, err
	}
	switch n := max(page.TotalResults, len(page.Resources)); {
	case n == 0:
		return nil, nil
	case len(page.Resources) == 0:
		return nil, fmt.Errorf("scim %s: looking up %s: the server counted %d resources but returned none", w.rt.name, describe(fields, vals), n)
	case n > 1:
		return nil, fmt.Errorf("scim %s: %d resources have %s; cannot tell which one is meant (make the match fields unique)", w.rt.name, n, describe(fields, vals))
	}
	found, err := parseResource(page.Resources[0], nil)
	if err != nil {
		return nil, fmt.Errorf("scim %s: look up %s: %w", w.rt.name, describe(fields, vals), err)
	}
	// A server that ignores the filter returns some other resource; adopting it would be a disaster.
	for i, f := range fields {
		if got, ok := attrValue(found.Body, f); !ok || !sameValue(got, vals[i]) {
			return nil, fmt.Errorf("scim %s: looking up %s returned resource %s, whose %s differs: the server does not apply the filter", w.rt.name, describe(fields, vals), found.ID, f)
		}
	}
	return found, nil
}

// listResponse is a page of a query (RFC 7644 section 3.4.2).
type listResponse struct {
	TotalResults int              `json:"totalResults"`
	ItemsPerPage int              `json:"itemsPerPage"`
	StartIndex   int              `json:"startIndex"`
	Resources    []map[string]any `json:"Resources"`
}

// describe renders fields and values for messages: userName "ada".
func describe(fields []string, vals []any) string {
	s := ""
	for i, f := range fields {
		if i > 0 {
			s += " and "
		}
		lit := "?"
		if i < len(vals) {
			if l, err := filterLiteral(vals[i]); err == nil {
				lit = l
			} else {
				lit = fmt.Sprint(vals[i])
			}
		}
		s += f + " " + lit
	}
	return s
}
