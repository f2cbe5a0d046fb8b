package scim_test

import (
	"encoding/json"
	"errors"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

func TestReadPages(t *testing.T) {
	ts := newTestServer(t, serverOptions{})
	for i := range 7 {
		ts.seed(t, map[string]any{"userName": "u" + string(rune('a'+i)), "active": i%2 == 0,
			enterpriseSchema: map[string]any{"employeeNumber": "E" + string(rune('0'+i))}})
	}
	r, err := open(t, ts.URL).(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "Users", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sizes []int
	var all []connector.Record
	for {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(batch))
		all = append(all, batch...)
	}
	if len(all) != 7 || len(sizes) != 3 || sizes[0] != 3 || sizes[2] != 1 {
		t.Fatalf("read %d users in batches %v, want 7 in 3, 3, 1", len(all), sizes)
	}
	j := ts.journal()
	for i, want := range []string{"count=3&startIndex=1", "count=3&startIndex=4", "count=3&startIndex=7"} {
		if i >= len(j) || !strings.HasSuffix(j[i], want) {
			t.Errorf("request %d = %v, want ...%s", i, j, want)
		}
	}
	first := all[0]
	if id, _ := first["id"].(string); id == "" || first["userName"] != "ua" || first["active"] != true {
		t.Errorf("first user read = %v", first)
	}
	if ext, _ := first[enterpriseSchema].(map[string]any); ext["employeeNumber"] != "E0" {
		t.Errorf("extension read = %v", first[enterpriseSchema])
	}
	if _, err := open(t, ts.URL).(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "Devices"}); err == nil {
		t.Error("Read of an unknown stream succeeded")
	}
}

// A server that leaves totalResults out, or counts only its page there, does not end a snapshot read
// early: a full page is always followed by another request (a mirror would delete the unread users).
func TestReadDoesNotTrustAMissingOrPageSizedTotal(t *testing.T) {
	for name, total := range map[string]func(page int) any{
		"missing":    func(int) any { return nil },
		"page count": func(page int) any { return page },
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
				start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
				var res []map[string]any
				for i := start; i < start+2 && i <= 5; i++ {
					res = append(res, map[string]any{"id": strconv.Itoa(i), "userName": "u" + strconv.Itoa(i)})
				}
				body := map[string]any{"Resources": res}
				if v := total(len(res)); v != nil {
					body["totalResults"] = v
				}
				json.NewEncoder(w).Encode(body)
			}))
			defer srv.Close()
			c := open(t, srv.URL)
			rd, err := c.(connector.Source).Read(t.Context(), connector.ReadRequest{Stream: "Users", BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				b, err := rd.Next(t.Context())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n += len(b)
			}
			if n != 5 {
				t.Fatalf("read %d of 5 users", n)
			}
		})
	}
}
