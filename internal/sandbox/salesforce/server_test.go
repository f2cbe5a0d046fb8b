package salesforce

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const accessToken = "00Dxx0000000001!sandbox-accessToken"

func start(t *testing.T, opts Options) (*Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	opts.AccessToken = accessToken
	opts.Now = clk.Now
	return sandboxtest.Start(t, New, opts), clk
}

type result struct {
	TotalSize      int
	Done           bool
	NextRecordsURL string `json:"nextRecordsUrl"`
	Records        []map[string]any
}

// get sends a GET of path on the instance URL with tok as the session token.
func get(t *testing.T, s *Server, path, tok string, header map[string]string) sandboxtest.Reply {
	t.Helper()
	return sandboxtest.Do(t, http.MethodGet, s.URL()+path, "", sandboxtest.Bearer(tok), sandboxtest.Headers(header))
}

func soql(resource, q string) string {
	return "/services/data/v62.0/" + resource + "?q=" + url.QueryEscape(q)
}

func decode[T any](t *testing.T, r sandboxtest.Reply) T {
	t.Helper()
	var v T
	r.Decode(t, &v)
	return v
}

func seed(s *Server, clk *sandboxtest.Clock, n int) []Lead {
	var out []Lead
	for i := range n {
		out = append(out, s.AddLead(Lead{FirstName: "F" + string(rune('a'+i)), LastName: "L", Company: "Acme", Title: "CTO", LeadSource: "Web", Email: string(rune('a'+i)) + "@example.com"}))
		clk.Add(time.Second)
	}
	return out
}

func TestInvalidSession(t *testing.T) {
	s, _ := start(t, Options{})
	for _, tok := range []string{"", "wrong"} {
		r := get(t, s, soql("query", "SELECT Id FROM Lead"), tok, nil)
		errs := decode[[]sfError](t, r)
		if r.Status != 401 || len(errs) != 1 || errs[0].ErrorCode != "INVALID_SESSION_ID" {
			t.Fatalf("accessToken %q: %d %s", tok, r.Status, r.Body)
		}
	}
}

func TestPagingWithNextRecordsURL(t *testing.T) {
	s, clk := start(t, Options{MaxBatchSize: 2})
	leads := seed(s, clk, 5)
	r := get(t, s, soql("query", "SELECT Id, FirstName, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"), accessToken, nil)
	var ids []string
	pages := 0
	for {
		if r.Status != 200 {
			t.Fatalf("page %d: %d %s", pages+1, r.Status, r.Body)
		}
		res := decode[result](t, r)
		pages++
		if res.TotalSize != 5 {
			t.Fatalf("totalSize %d, want 5", res.TotalSize)
		}
		for _, rec := range res.Records {
			attrs := rec["attributes"].(map[string]any)
			if attrs["type"] != "Lead" || !strings.HasSuffix(attrs["url"].(string), "/sobjects/Lead/"+rec["Id"].(string)) {
				t.Fatalf("attributes %v", attrs)
			}
			if _, err := time.Parse(dateTimeLayout, rec["SystemModstamp"].(string)); err != nil {
				t.Fatalf("SystemModstamp %v: %v", rec["SystemModstamp"], err)
			}
			ids = append(ids, rec["Id"].(string))
		}
		if res.Done {
			if res.NextRecordsURL != "" {
				t.Fatalf("done page has nextRecordsUrl %q", res.NextRecordsURL)
			}
			break
		}
		if !strings.HasPrefix(res.NextRecordsURL, "/services/data/v62.0/query/01g") {
			t.Fatalf("nextRecordsUrl %q", res.NextRecordsURL)
		}
		clk.Add(time.Second)
		s.AddLead(Lead{LastName: "Late"}) // results are frozen when the query runs
		r = get(t, s, res.NextRecordsURL, accessToken, nil)
	}
	if pages != 3 || len(ids) != 5 {
		t.Fatalf("%d pages, ids %v", pages, ids)
	}
	for i, l := range leads {
		if ids[i] != l.ID {
			t.Fatalf("ids %v not in SystemModstamp order", ids)
		}
	}
	// The cursor is closed after the last page.
	if r := get(t, s, "/services/data/v62.0/query/01gAAAAAAAAAAAAAAA-2", accessToken, nil); r.Status != 400 || decode[[]sfError](t, r)[0].ErrorCode != "INVALID_QUERY_LOCATOR" {
		t.Fatalf("unknown locator: %d %s", r.Status, r.Body)
	}
}

func TestQueryAllIncludesDeleted(t *testing.T) {
	s, clk := start(t, Options{MaxBatchSize: 1})
	leads := seed(s, clk, 3)
	if err := s.DeleteLead(leads[1].ID); err != nil {
		t.Fatal(err)
	}
	q := "SELECT Id, IsDeleted FROM Lead ORDER BY Id"
	res := decode[result](t, get(t, s, soql("query", q), accessToken, nil))
	if res.TotalSize != 2 {
		t.Fatalf("query totalSize %d, want 2 (deleted lead hidden)", res.TotalSize)
	}
	r := get(t, s, soql("queryAll", q), accessToken, nil)
	all := decode[result](t, r)
	if all.TotalSize != 3 || !strings.Contains(all.NextRecordsURL, "/query/") {
		t.Fatalf("queryAll: totalSize %d next %q", all.TotalSize, all.NextRecordsURL)
	}
	// Documented: the locator can be read through queryAll too, and still yields deleted records.
	next := strings.Replace(all.NextRecordsURL, "/query/", "/queryAll/", 1)
	second := decode[result](t, get(t, s, next, accessToken, nil))
	if len(second.Records) != 1 || second.Records[0]["IsDeleted"] != true {
		t.Fatalf("second queryAll page %+v", second.Records)
	}
	deleted := decode[result](t, get(t, s, soql("queryAll", "SELECT Id FROM Lead WHERE IsDeleted = TRUE"), accessToken, nil))
	if deleted.TotalSize != 1 || deleted.Records[0]["Id"] != leads[1].ID {
		t.Fatalf("deleted leads %+v", deleted)
	}
}

func TestIncrementalBySystemModstamp(t *testing.T) {
	s, clk := start(t, Options{})
	leads := seed(s, clk, 3)
	cut := leads[1].SystemModstamp.Format("2006-01-02T15:04:05.000Z")
	res := decode[result](t, get(t, s, soql("query", "SELECT Id FROM Lead WHERE SystemModstamp > "+cut+" ORDER BY SystemModstamp, Id LIMIT 10"), accessToken, nil))
	if res.TotalSize != 1 || res.Records[0]["Id"] != leads[2].ID {
		t.Fatalf("> %s: %+v", cut, res.Records)
	}
	clk.Add(time.Minute)
	if _, err := s.UpdateLead(leads[0].ID, func(l *Lead) { l.Title = "CEO" }); err != nil {
		t.Fatal(err)
	}
	res = decode[result](t, get(t, s, soql("query", "SELECT Id, Title FROM Lead WHERE SystemModstamp >= "+cut+" ORDER BY SystemModstamp"), accessToken, nil))
	if res.TotalSize != 3 || res.Records[2]["Id"] != leads[0].ID || res.Records[2]["Title"] != "CEO" {
		t.Fatalf(">= %s after update: %+v", cut, res.Records)
	}
}

func TestQueryErrors(t *testing.T) {
	s, _ := start(t, Options{})
	tests := []struct {
		path string
		code string
		want int
	}{
		{"/services/data/v62.0/query?q=", "MALFORMED_QUERY", 400},
		{soql("query", "SELECT Id FROM Lead WHERE"), "MALFORMED_QUERY", 400},
		{soql("query", "SELECT Nope FROM Lead"), "INVALID_FIELD", 400},
		{soql("query", "SELECT Id FROM Account"), "INVALID_TYPE", 400},
		{"/services/data/v62.0/sobjects/Lead", "NOT_FOUND", 404},
	}
	for _, tt := range tests {
		r := get(t, s, tt.path, accessToken, nil)
		errs := decode[[]sfError](t, r)
		if r.Status != tt.want || len(errs) != 1 || errs[0].ErrorCode != tt.code || errs[0].Message == "" {
			t.Errorf("%s: %d %s, want %d %s", tt.path, r.Status, r.Body, tt.want, tt.code)
		}
	}
}

func TestBatchSizeHeader(t *testing.T) {
	s, clk := start(t, Options{})
	seed(s, clk, 3)
	res := decode[result](t, get(t, s, soql("query", "SELECT Id FROM Lead"), accessToken, map[string]string{"Sforce-Query-Options": "batchSize=1"}))
	if len(res.Records) != 3 || !res.Done {
		t.Fatalf("batchSize below 200 must be raised to 200: %d records, done %t", len(res.Records), res.Done)
	}
}

func TestThrottleAndFailures(t *testing.T) {
	for _, tt := range []struct{ opt, want int }{{0, 403}, {429, 429}} {
		s, _ := start(t, Options{ThrottleStatus: tt.opt})
		s.Faults.Throttle(1, 5*time.Second)
		s.Faults.FailNext(1, 503)
		r := get(t, s, soql("query", "SELECT Id FROM Lead"), accessToken, nil)
		if errs := decode[[]sfError](t, r); r.Status != tt.want || errs[0].ErrorCode != "REQUEST_LIMIT_EXCEEDED" || r.Header.Get("Retry-After") != "5" {
			t.Fatalf("throttled: %d %s %v", r.Status, r.Body, r.Header)
		}
		if r := get(t, s, soql("query", "SELECT Id FROM Lead"), accessToken, nil); r.Status != 503 {
			t.Fatalf("failure: %d", r.Status)
		}
		r = get(t, s, soql("query", "SELECT Id FROM Lead"), accessToken, nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Sforce-Limit-Info"), "api-usage=") {
			t.Fatalf("recovered: %d %v", r.Status, r.Header)
		}
	}
}
