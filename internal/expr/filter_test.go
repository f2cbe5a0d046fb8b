package expr

import (
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

func TestCompileFilterErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"syntax", `record.status ==`, "unexpected token"},
		{"unknown function", `lowr(record.email) == "x"`, "unknown name lowr"},
		{"unknown variable", `status == "hired"`, "unknown name status"},
		{"not boolean", `1 + 2`, "expected bool"},
		{"string constant", `"hired"`, "expected bool"},
		{"empty", "  ", "empty"},
		{"now is disabled", `record.updated_at < now()`, "now() is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := CompileFilter(tt.src)
			if err == nil {
				t.Fatalf("CompileFilter(%q) = %v, want an error", tt.src, f)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CompileFilter(%q) error %q does not contain %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		env     Env
		want    bool
		wantErr string
	}{
		{"equal", `record.status == "hired"`, Env{Record: connector.Record{"status": "hired"}}, true, ""},
		{"not equal", `record.status == "hired"`, Env{Record: connector.Record{"status": "new"}}, false, ""},
		{"missing field compares as nil", `record.status == "hired"`, Env{Record: connector.Record{}}, false, ""},
		{"missing bool field is false", `record.active`, Env{Record: connector.Record{}}, false, ""},
		{"nil record", `record.active`, Env{}, false, ""},
		{"bool field", `record.active`, Env{Record: connector.Record{"active": true}}, true, ""},
		{"int64 against int literal", `record.age >= 18`, Env{Record: connector.Record{"age": int64(20)}}, true, ""},
		{"builtin lower", `lower(record.email) endsWith "@example.com"`, Env{Record: connector.Record{"email": "A@EXAMPLE.COM"}}, true, ""},
		{"tenant", `record.org == tenant.org`, Env{Record: connector.Record{"org": "x"}, Tenant: map[string]any{"org": "x"}}, true, ""},
		{"missing tenant", `tenant.org == nil`, Env{}, true, ""},
		{"in list", `record.status in ["hired", "onboarding"]`, Env{Record: connector.Record{"status": "onboarding"}}, true, ""},
		{"non-boolean value at run time", `record.status`, Env{Record: connector.Record{"status": "hired"}}, false, "filter:"},
		{"fetch from nil", `record.address.city == "x"`, Env{Record: connector.Record{}}, false, "cannot fetch city"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := CompileFilter(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if f.Source() != tt.src {
				t.Errorf("Source() = %q, want %q", f.Source(), tt.src)
			}
			got, err := f.Match(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Match error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNilFilter(t *testing.T) {
	var f *Filter
	ok, err := f.Match(Env{Record: connector.Record{"a": int64(1)}})
	if !ok || err != nil {
		t.Errorf("nil filter Match = %v, %v; want true, nil", ok, err)
	}
	if f.Source() != "" {
		t.Errorf("nil filter Source = %q", f.Source())
	}
}
