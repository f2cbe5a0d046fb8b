package salesforce

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/onewaysync/oneway/connector"
	sf "github.com/onewaysync/oneway/internal/sandbox/salesforce"
)

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             `'plain'`,
		"Bob's BBQ":         `'Bob\'s BBQ'`,
		`back\slash`:        `'back\\slash'`,
		"tab\tnew\nline\r":  `'tab\tnew\nline\r'`,
		`say "hi"`:          `'say \"hi\"'`,
		"bell\bfeed\f":      `'bell\bfeed\f'`,
		"100% of a_b":       `'100% of a_b'`, // % and _ are special in LIKE only, never used here
		"Zoë 🎉":             `'Zoë 🎉'`,
		`' OR Id != '`:      `'\' OR Id != \''`,
		"":                  `''`,
		"ends with \\":      `'ends with \\'`,
		"\\' already esc'd": `'\\\' already esc\'d'`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDateTimeLiteral(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 4, 5, 123456789, time.FixedZone("CET", 3600))
	if got := dateTime(at); got != "2026-03-02T09:04:05.123Z" {
		t.Errorf("dateTime = %s", got)
	}
	for in, want := range map[string]time.Time{
		"2024-05-01T10:00:00.000+0000": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		"2024-05-01T12:00:00.5+02:00":  time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC),
		"2024-05-01T10:00:00Z":         time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
	} {
		if got, ok := parseDateTime(in); !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseDateTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"2024-05-01", "2024-05-01T10:00:00", "not a time", "2024-05-01T10:00:00.000+00"} {
		if _, ok := parseDateTime(in); ok {
			t.Errorf("parseDateTime(%q) accepted a value that is not a dateTime", in)
		}
	}
}

// Any text quoted by quote is one string literal to a SOQL parser written from the documentation (the
// sandbox's): the query stays well formed whatever the text holds.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "'", `\`, `\'`, "a'b\"c\\d\ne", "' OR Id != '", "%_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("SOQL text is UTF-8")
		}
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\b' && r != '\f' {
				t.Skip("control characters without a SOQL escape sequence")
			}
		}
		if _, err := sf.ParseQuery("SELECT Id FROM Lead WHERE Id >= " + quote(s)); err != nil {
			t.Fatalf("quote(%q) = %s breaks the query: %v", s, quote(s), err)
		}
	})
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2024-05-01T10:00:00.000+0000", "2024-05-01T10:00:00Z", "2024-13-45T99:99:99Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := parseDateTime(s); ok && tm.Location() != time.UTC {
			t.Fatalf("parseDateTime(%q) is not UTC", s)
		}
	})
}

func TestSettings(t *testing.T) {
	base := func() connector.Settings {
		return connector.Settings{"instance_url": "https://acme.my.salesforce.com", "token": "t",
			"streams": map[string]any{"Lead": map[string]any{"fields": []any{"Id", "Owner.Name"}}}}
	}
	for name, change := range map[string]func(connector.Settings){
		"no token":    func(s connector.Settings) { delete(s, "token") },
		"no url":      func(s connector.Settings) { delete(s, "instance_url") },
		"bad version": func(s connector.Settings) { s["api_version"] = "59" },
		"batch":       func(s connector.Settings) { s["batch_size"] = int64(100) },
		"bad object": func(s connector.Settings) {
			s["streams"] = map[string]any{"Lead;DROP": map[string]any{"fields": []any{"Id"}}}
		},
		"bad field": func(s connector.Settings) {
			s["streams"] = map[string]any{"Lead": map[string]any{"fields": []any{"Id, Name"}}}
		},
		"no fields": func(s connector.Settings) { s["streams"] = map[string]any{"Lead": map[string]any{}} },
		"unknown":   func(s connector.Settings) { s["sandbox"] = true },
		"stream option": func(s connector.Settings) {
			s["streams"] = map[string]any{"Lead": map[string]any{"fields": []any{"Id"}, "limit": 3}}
		},
	} {
		s := base()
		change(s)
		if c, err := New(s, connector.Env{}); err == nil {
			c.Close()
			t.Errorf("%s: New accepted %v", name, s)
		}
	}
	c, err := New(base(), connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := c.(*Conn).streams["Lead"]
	if want := []string{"Id", "Owner.Name", "SystemModstamp"}; len(o.fields) != 3 || o.fields[2] != want[2] {
		t.Errorf("fields %v, want %v (SystemModstamp added)", o.fields, want)
	}
}

// A related record's fields come under dotted names, null when there is no related record.
func TestRecordFlattensRelationships(t *testing.T) {
	fields := []string{"Id", "Owner.Name", "Owner.Manager.Email", "CreatedDate"}
	r := record(map[string]any{
		"attributes": map[string]any{"type": "Lead"}, "Id": "00Q1",
		"Owner": map[string]any{"attributes": map[string]any{"type": "User"}, "Name": "Ann",
			"Manager": map[string]any{"attributes": map[string]any{"type": "User"}, "Email": "m@x"}},
		"CreatedDate": "2024-05-01T10:00:00.000+0000",
	}, fields)
	want := connector.Record{"Id": "00Q1", "Owner.Name": "Ann", "Owner.Manager.Email": "m@x", "CreatedDate": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	if len(r) != len(want) || r["Owner.Name"] != "Ann" || r["Owner.Manager.Email"] != "m@x" || !r["CreatedDate"].(time.Time).Equal(want["CreatedDate"].(time.Time)) {
		t.Errorf("record = %v, want %v", r, want)
	}
	r = record(map[string]any{"Id": "00Q2", "Owner": nil, "CreatedDate": nil}, fields)
	if v, ok := r["Owner.Name"]; !ok || v != nil || len(r) != 4 {
		t.Errorf("record without an owner = %v, want Owner.Name null and the same fields", r)
	}
}
