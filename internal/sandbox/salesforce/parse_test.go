package salesforce

import (
	"errors"
	"testing"
	"time"
)

func TestParseQueryAccepts(t *testing.T) {
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	leads := []Lead{
		{ID: "00QDn0000000001AAA", FirstName: "Ada", LastName: "Lovelace", Company: "Acme", SystemModstamp: base},
		{ID: "00QDn0000000002AAA", FirstName: "Bob", LastName: "Byte", Company: "acme", SystemModstamp: base.Add(time.Second)},
		{ID: "00QDn0000000003AAA", LastName: "Cole", Company: "Initech", SystemModstamp: base.Add(2 * time.Second), IsDeleted: true},
	}
	tests := []struct {
		soql string
		want []string // ids in result order
	}{
		{"SELECT Id FROM Lead", []string{"00QDn0000000001AAA", "00QDn0000000002AAA", "00QDn0000000003AAA"}},
		{"select id, firstname from lead where systemmodstamp > 2026-03-01T10:00:00Z", []string{"00QDn0000000002AAA", "00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE SystemModstamp >= 2026-03-01T10:00:01.000Z ORDER BY SystemModstamp, Id", []string{"00QDn0000000002AAA", "00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE SystemModstamp > 2026-03-01T11:00:00+01:00", []string{"00QDn0000000002AAA", "00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead ORDER BY SystemModstamp DESC LIMIT 2", []string{"00QDn0000000003AAA", "00QDn0000000002AAA"}},
		{"SELECT Id FROM Lead ORDER BY Id LIMIT 1 OFFSET 1", []string{"00QDn0000000002AAA"}},
		{"SELECT Id FROM Lead WHERE Company = 'ACME'", []string{"00QDn0000000001AAA", "00QDn0000000002AAA"}},
		{"SELECT Id FROM Lead WHERE FirstName = null", []string{"00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE FirstName != null AND Company <> 'x'", []string{"00QDn0000000001AAA", "00QDn0000000002AAA"}},
		{"SELECT Id FROM Lead WHERE IsDeleted = TRUE", []string{"00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE Id IN ('00QDn0000000001', '00QDn0000000003AAA')", []string{"00QDn0000000001AAA", "00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE NOT (Company = 'acme')", []string{"00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE SystemModstamp > 2026-03-01T10:00:00Z OR (SystemModstamp = 2026-03-01T10:00:00Z AND Id > '00QDn0000000000AAA') ORDER BY SystemModstamp ASC NULLS FIRST, Id",
			[]string{"00QDn0000000001AAA", "00QDn0000000002AAA", "00QDn0000000003AAA"}},
		{"SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.soql, func(t *testing.T) {
			q, err := ParseQuery(tt.soql)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range q.run(leads) {
				got = append(got, l.ID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestParseQueryRejects(t *testing.T) {
	tests := []struct{ soql, code string }{
		{"", "MALFORMED_QUERY"},
		{"SELECT FROM Lead", "MALFORMED_QUERY"},
		{"SELECT Id Lead", "MALFORMED_QUERY"},
		{"SELECT Id FROM Contact", "INVALID_TYPE"},
		{"SELECT Id, Foo__c FROM Lead", "INVALID_FIELD"},
		{"SELECT Id, Id FROM Lead", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE SystemModstamp > '2026-03-01T10:00:00Z'", "INVALID_FIELD"},
		{"SELECT Id FROM Lead WHERE SystemModstamp > 2026-03-01", "INVALID_FIELD"},
		{"SELECT Id FROM Lead WHERE SystemModstamp > 2026-03-01T10:00:00+0000", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE SystemModstamp > 2026-03-01 10:00:00", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE Company = Acme", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE IsDeleted = 'true'", "INVALID_FIELD"},
		{"SELECT Id FROM Lead WHERE IsDeleted > TRUE", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE Company = 'a' AND Title = 'b' OR Email = 'c'", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE (Company = 'a'", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE Company = 'unterminated", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead LIMIT", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead LIMIT -1", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"},
		{"SELECT Id FROM Lead ORDER BY", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead GROUP BY Company", "MALFORMED_QUERY"},
		{"SELECT COUNT() FROM Lead", "MALFORMED_QUERY"},
		{"SELECT Owner.Name FROM Lead", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead WHERE Company LIKE 'a%'", "MALFORMED_QUERY"},
		{"SELECT Id FROM Lead; DELETE", "MALFORMED_QUERY"},
	}
	for _, tt := range tests {
		t.Run(tt.soql, func(t *testing.T) {
			_, err := ParseQuery(tt.soql)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want a *QueryError %s", err, tt.code)
			}
			if qe.Code != tt.code || qe.Message == "" {
				t.Fatalf("got %s %q, want %s", qe.Code, qe.Message, tt.code)
			}
		})
	}
}

// FuzzParseQuery: the parser reads outside input; it must never panic, and whatever it accepts must
// run.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"SELECT Id, FirstName FROM Lead WHERE SystemModstamp > 2026-03-01T10:00:00Z ORDER BY SystemModstamp, Id LIMIT 10",
		"SELECT Id FROM Lead WHERE (A = 'x' OR B = null) AND NOT C IN ('a','b')",
		"select id from lead where isdeleted = true offset 3",
		"SELECT Id FROM Lead WHERE Name = 'O\\'Brien'",
	} {
		f.Add(s)
	}
	leads := []Lead{{ID: "00QDn0000000001AAA", FirstName: "A"}, {ID: "00QDn0000000002AAA", IsDeleted: true}}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Code == "" {
				t.Fatalf("error %v is not a coded QueryError", err)
			}
			return
		}
		_ = q.run(leads)
	})
}
