package server

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestOpenAPIMatchesRoutes keeps docs/openapi.yaml true: every documented operation is served (not a
// 404 for the route or a 405), and the documented set is exactly the API's.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	data, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	want := map[string]bool{
		"GET /healthz": true, "GET /metrics": true, "GET /api/syncs": true, "GET /api/syncs/{sync}": true,
		"POST /api/syncs/{sync}/run": true, "GET /api/syncs/{sync}/plan": true, "GET /api/runs": true,
		"GET /api/syncs/{sync}/rejected": true, "POST /api/syncs/{sync}/rejected/retry": true,
		"POST /api/syncs/{sync}/rejected/drop": true, "POST /api/syncs/{sync}/verify": true, "POST /hooks/{sync}": true,
	}
	got := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			if method == "parameters" {
				continue
			}
			got[strings.ToUpper(method)+" "+path] = true
		}
	}
	for op := range want {
		if !got[op] {
			t.Errorf("openapi.yaml does not document %s", op)
		}
	}
	for op := range got {
		if !want[op] {
			t.Errorf("openapi.yaml documents %s, which the server does not serve", op)
		}
	}

	f := newFixture(t, strings.Replace(baseConfig, "  - name: s\n", "  - name: s\n    webhook: {secret: x}\n", 1))
	f.people(1, "")
	for op := range want {
		method, path, _ := strings.Cut(op, " ")
		path = strings.ReplaceAll(path, "{sync}", "s")
		var body *strings.Reader
		if strings.HasSuffix(path, "/drop") {
			body = strings.NewReader(`{"all":true}`)
		} else {
			body = strings.NewReader("{}")
		}
		resp := f.do(method, path, body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
}
