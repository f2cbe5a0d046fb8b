package scim

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	filter "github.com/scim2/filter-parser/v2"
)

func TestFilterFor(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		vals   []any
		want   string
	}{
		{[]string{"userName"}, []any{"ada@example.com"}, `userName eq "ada@example.com"`},
		{[]string{"userName"}, []any{`o"brien\x`}, `userName eq "o\"brien\\x"`},
		{[]string{"externalId", "active"}, []any{int64(42), true}, `externalId eq 42 and active eq true`},
		{[]string{"name.familyName"}, []any{"<&>"}, `name.familyName eq "<&>"`},
		{[]string{enterprise + ":employeeNumber"}, []any{json.Number("1.50")}, enterprise + `:employeeNumber eq 1.50`},
		{[]string{"x"}, []any{2.5}, `x eq 2.5`},
		{[]string{"x"}, []any{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, `x eq "2026-01-02T03:04:05Z"`},
	} {
		got, err := filterFor(tc.fields, tc.vals)
		if err != nil || got != tc.want {
			t.Errorf("filterFor(%v, %v) = %q, %v; want %q", tc.fields, tc.vals, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{{`userName eq "x" or userName`}, {"a b"}, {""}, {"name..x"}, {"1abc"}} {
		if _, err := filterFor(bad, []any{"x"}); err == nil {
			t.Errorf("filterFor(%q) accepted a field that is not an attribute path", bad)
		}
	}
	if _, err := filterFor([]string{"x"}, []any{[]byte("x")}); err == nil {
		t.Error("filterFor accepted bytes")
	}
}

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// Whatever the value, the filter is one comparison on the attribute (no injection), and its value is the
// JSON string of the input, which RFC 7644 section 3.4.2.2 says compValue is.
func FuzzFilterIsOneComparison(f *testing.F) {
	for _, s := range []string{"ada", `o"brien`, `a\b`, `") or (userName pr`, "tab\tnew\nline", "emoji 🎉", "\x00\x1f", `\u0041`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) {
			t.Skip("encoding/json replaces invalid UTF-8; the record values oneway writes are valid text")
		}
		expr, err := filterFor([]string{"userName"}, []any{v})
		if err != nil {
			t.Fatalf("filterFor(%q): %v", v, err)
		}
		parsed, err := filter.ParseFilter([]byte(expr))
		if err != nil {
			// The third-party parser has its own limits (it rejects some control characters the JSON
			// grammar allows escaped); what matters is that it never reads another expression.
			return
		}
		ae, ok := parsed.(*filter.AttributeExpression)
		if !ok || ae.AttributePath.AttributeName != "userName" || ae.Operator != filter.EQ {
			t.Fatalf("filter %s for %q parsed as %#v, want one userName eq comparison", expr, v, parsed)
		}
		raw, _ := ae.CompareValue.(string)
		var decoded string
		if err := json.Unmarshal([]byte(`"`+raw+`"`), &decoded); err != nil || decoded != v {
			t.Fatalf("compare value %q of %q decodes to %q (%v)", raw, v, decoded, err)
		}
	})
}
