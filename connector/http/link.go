package http

import (
	nethttp "net/http"
	"strings"
)

// NextLink returns the target of the rel="next" link of a Link header (RFC 8288), as written (it may be
// relative: resolve it with API.Follow). Several Link headers, several links per header, unquoted and
// multi-valued rel parameters and commas inside <...> are handled; "" means there is no next page.
func NextLink(h nethttp.Header) string {
	for _, line := range h.Values("Link") {
		for s := line; ; {
			lt := strings.IndexByte(s, '<')
			if lt < 0 {
				break
			}
			gt := strings.IndexByte(s[lt:], '>')
			if gt < 0 {
				break
			}
			target := s[lt+1 : lt+gt]
			s = s[lt+gt+1:]
			params, rest := splitParams(s)
			s = rest
			if hasRel(params, "next") {
				return target
			}
		}
	}
	return ""
}

// splitParams returns the parameters after a link target (up to the comma that ends the link, outside
// quotes) and the rest of the header.
func splitParams(s string) (string, string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case ',':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

func hasRel(params, want string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		for _, rel := range strings.Fields(value) {
			if strings.EqualFold(rel, want) {
				return true
			}
		}
	}
	return false
}
