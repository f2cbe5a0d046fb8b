package http

import (
	nethttp "net/http"
	"testing"
)

func TestNextLink(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		want   string
	}{
		{"greenhouse", []string{`<https://harvest.greenhouse.io/v1/candidates?page=2&per_page=2>; rel="next", <https://harvest.greenhouse.io/v1/candidates?page=474&per_page=2>; rel="last"`}, "https://harvest.greenhouse.io/v1/candidates?page=2&per_page=2"},
		{"next not first", []string{`<https://x/?page=1>; rel="prev", <https://x/?page=3>; rel="next"`}, "https://x/?page=3"},
		{"unquoted", []string{`</items?cursor=abc>; rel=next`}, "/items?cursor=abc"},
		{"multi-valued rel", []string{`<https://x/2>; rel="last next"`}, "https://x/2"},
		{"case", []string{`<https://x/2>; REL="Next"`}, "https://x/2"},
		{"comma in url", []string{`<https://x/?ids=1,2,3>; rel="next"`}, "https://x/?ids=1,2,3"},
		{"other params", []string{`<https://x/2>; title="a, b; c"; rel="next"`}, "https://x/2"},
		{"second header", []string{`<https://x/9>; rel="last"`, `<https://x/2>; rel="next"`}, "https://x/2"},
		{"no next", []string{`<https://x/1>; rel="prev"`}, ""},
		{"nextish rel", []string{`<https://x/1>; rel="next-page"`}, ""},
		{"none", nil, ""},
		{"garbage", []string{`rel="next"`}, ""},
	} {
		h := nethttp.Header{}
		for _, v := range tc.header {
			h.Add("Link", v)
		}
		if got := NextLink(h); got != tc.want {
			t.Errorf("%s: NextLink = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func FuzzNextLink(f *testing.F) {
	f.Add(`<https://x/?page=2>; rel="next", <https://x/?page=9>; rel="last"`)
	f.Add(`<a>; rel=next; title="x,<y>"`)
	f.Add(`<<>>;;rel="\"next"`)
	f.Fuzz(func(t *testing.T, v string) {
		NextLink(nethttp.Header{"Link": {v}}) // must not panic or loop
	})
}
