package sandboxtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Sleep moves the clock and is recorded; a done context neither moves it nor is recorded.
func TestClockSleepAdvancesWithoutWaiting(t *testing.T) {
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	c.Add(time.Minute)
	if err := c.Sleep(t.Context(), time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil {
		t.Fatal("Sleep with a cancelled context returned nil")
	}
	if got, want := c.Now(), start.Add(time.Minute+time.Hour); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
	if s := c.Sleeps(); !slices.Equal(s, []time.Duration{time.Hour}) {
		t.Errorf("Sleeps = %v, want [1h]", s)
	}
}

// Do sends what the edits set, and nothing for an empty credential or header value.
func TestDoEdits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, basic := r.BasicAuth()
		_, accept := r.Header["Accept"]
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "user": user, "pass": pass, "basic": basic, "auth": r.Header.Get("Authorization"),
			"accept": accept, "x": r.Header.Get("X-Test"), "length": r.ContentLength,
		})
	}))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	type seen struct {
		Method, User, Pass, Auth, X string
		Basic, Accept               bool
		Length                      int64
	}
	tests := []struct {
		name  string
		body  string
		edits []func(*http.Request)
		want  seen
	}{
		{"none", "", []func(*http.Request){Basic("", "x"), Bearer(""), Headers(map[string]string{"Accept": ""})}, seen{Method: "POST"}},
		{"basic", "", []func(*http.Request){Basic("key", "x")}, seen{Method: "POST", User: "key", Pass: "x", Basic: true, Auth: "Basic a2V5Ong="}},
		{"bearer and headers", `{"a":1}`, []func(*http.Request){Bearer("tok"), Headers(map[string]string{"X-Test": "v", "Accept": "application/json"})},
			seen{Method: "POST", Auth: "Bearer tok", X: "v", Accept: true, Length: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Do(t, http.MethodPost, srv.URL, tt.body, tt.edits...)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			var got seen
			r.Decode(t, &got)
			if got != tt.want {
				t.Errorf("server saw %+v, want %+v", got, tt.want)
			}
		})
	}
	if JSON(t, nil) != "" || JSON(t, map[string]int{"a": 1}) != `{"a":1}` {
		t.Error("JSON: want no body for nil and the marshalled value otherwise")
	}
}
