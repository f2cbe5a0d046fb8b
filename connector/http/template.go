package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// template is a request path such as /users/{id}?notify={notify}: literal text and {name}
// placeholders, filled per change (see fill).
type template struct {
	raw   string
	parts []part // literal when name == ""
	query int    // index of the first part after the '?', len(parts) when there is none
}

type part struct {
	text string
	name string
}

func parseTemplate(s string) (*template, error) {
	if s == "" {
		return nil, errors.New("the path is empty")
	}
	t := &template{raw: s, query: -1}
	rest := s
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		lit := rest
		if open >= 0 {
			lit = rest[:open]
		}
		if q := strings.IndexByte(lit, '?'); q >= 0 && t.query < 0 {
			if lit[:q] != "" {
				t.parts = append(t.parts, part{text: lit[:q]})
			}
			t.query = len(t.parts)
			lit = lit[q+1:]
		}
		if strings.IndexByte(lit, '}') >= 0 {
			return nil, fmt.Errorf("path %q: a '}' without its '{'", s)
		}
		if lit != "" {
			t.parts = append(t.parts, part{text: lit})
		}
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("path %q: a '{' without its '}'", s)
		}
		name := strings.TrimSpace(rest[open+1 : open+end])
		if name == "" || strings.ContainsAny(name, "{/?") {
			return nil, fmt.Errorf("path %q: bad placeholder {%s}", s, name)
		}
		t.parts = append(t.parts, part{name: name})
		rest = rest[open+end+1:]
	}
	if t.query < 0 {
		t.query = len(t.parts)
	}
	return t, nil
}

// fill returns the path (unescaped and escaped) and raw query for a change. {id} is the target's id
// of the record (Change.ID) when the ledger has one; otherwise, like every other name, a key field
// (WriteRequest.Key), then a field of the record. Values are escaped for their place: a "/" in an id
// cannot reach another resource.
func (t *template) fill(ch connector.Change, key []string) (path, rawPath, rawQuery string, err error) {
	var p, rp, q strings.Builder
	for i, pt := range t.parts {
		text := pt.text
		escaped := pt.text
		if pt.name != "" {
			v, err := lookupPlaceholder(pt.name, ch, key)
			if err != nil {
				return "", "", "", err
			}
			text = v
			if i >= t.query {
				escaped = url.QueryEscape(v)
			} else {
				if v == "." || v == ".." {
					// PathEscape keeps dots: a server or proxy that resolves dot segments would send the
					// change to the parent resource (DELETE /orgs/acme/users/.. is DELETE /orgs/acme).
					return "", "", "", fmt.Errorf("{%s} is %q, which a URL path would take for a dot segment", pt.name, v)
				}
				escaped = url.PathEscape(v)
			}
		}
		if i >= t.query {
			q.WriteString(escaped)
		} else {
			p.WriteString(text)
			rp.WriteString(escaped)
		}
	}
	return p.String(), rp.String(), q.String(), nil
}

func lookupPlaceholder(name string, ch connector.Change, key []string) (string, error) {
	if name == "id" && ch.ID != "" {
		return ch.ID, nil
	}
	for i, k := range key {
		if k == name && i < len(ch.Key) {
			return render(name, ch.Key[i])
		}
	}
	if v, ok := ch.Record[name]; ok {
		return render(name, v)
	}
	if name == "id" {
		return "", errors.New("{id}: the target has no id for this record yet (no ledger entry) and it has no key or record field named id")
	}
	return "", fmt.Errorf("{%s}: no key or record field of that name", name)
}

func render(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("{%s} is null", name)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	if s, ok := Scalar(v); ok {
		return s, nil
	}
	return "", fmt.Errorf("{%s} is a %T, not a scalar", name, v)
}
