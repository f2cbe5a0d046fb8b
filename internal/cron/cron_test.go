package cron

import (
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNext(t *testing.T) {
	tests := []struct {
		expr, from string
		want       []string // successive firings
	}{
		{"*/5 * * * *", "2026-03-01 10:02", []string{"2026-03-01 10:05", "2026-03-01 10:10", "2026-03-01 10:15"}},
		{"*/5 * * * *", "2026-03-01 10:05", []string{"2026-03-01 10:10"}}, // strictly after
		{"* * * * *", "2026-03-01 23:59", []string{"2026-03-02 00:00", "2026-03-02 00:01"}},
		{"0 * * * *", "2026-03-01 10:00", []string{"2026-03-01 11:00", "2026-03-01 12:00"}},
		{"30 8 * * mon-fri", "2026-03-06 09:00", []string{"2026-03-09 08:30", "2026-03-10 08:30"}}, // Fri -> Mon
		{"0 0 1 * *", "2026-01-15 00:00", []string{"2026-02-01 00:00", "2026-03-01 00:00"}},
		{"0 0 29 2 *", "2026-01-01 00:00", []string{"2028-02-29 00:00", "2032-02-29 00:00"}},
		{"0 0 31 * *", "2026-04-01 00:00", []string{"2026-05-31 00:00", "2026-07-31 00:00"}},
		{"15,45 9-10 * * *", "2026-03-01 09:20", []string{"2026-03-01 09:45", "2026-03-01 10:15", "2026-03-01 10:45", "2026-03-02 09:15"}},
		{"0 12 * jun-aug sun", "2026-05-31 13:00", []string{"2026-06-07 12:00", "2026-06-14 12:00"}},
		{"0 0 * * 7", "2026-03-02 00:00", []string{"2026-03-08 00:00"}}, // 7 is Sunday too
		// Both day fields restricted: either matches (the 13th, or any Friday).
		{"0 0 13 * fri", "2026-03-01 00:00", []string{"2026-03-06 00:00", "2026-03-13 00:00", "2026-03-20 00:00"}},
		// A day field starting with * is unrestricted: both must match.
		{"0 0 */2 * fri", "2026-03-01 00:00", []string{"2026-03-13 00:00", "2026-03-27 00:00"}},
		{"10-20/5 * * * *", "2026-03-01 10:00", []string{"2026-03-01 10:10", "2026-03-01 10:15", "2026-03-01 10:20", "2026-03-01 11:10"}},
		{"5/20 * * * *", "2026-03-01 10:00", []string{"2026-03-01 10:05", "2026-03-01 10:25", "2026-03-01 10:45", "2026-03-01 11:05"}},
		{"@hourly", "2026-03-01 10:30", []string{"2026-03-01 11:00"}},
		{"@daily", "2026-03-01 10:30", []string{"2026-03-02 00:00"}},
		{"@weekly", "2026-03-01 10:30", []string{"2026-03-08 00:00"}},
		{"@yearly", "2026-03-01 10:30", []string{"2027-01-01 00:00"}},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		cur := at(tt.from)
		for _, w := range tt.want {
			cur = e.Next(cur)
			if !cur.Equal(at(w)) {
				t.Errorf("%q after %s: got %s, want %s", tt.expr, tt.from, cur.Format("2006-01-02 15:04 Mon"), w)
				break
			}
		}
	}
}

func TestNextSkipsSeconds(t *testing.T) {
	e, _ := Parse("* * * * *")
	from := time.Date(2026, 3, 1, 10, 0, 59, 999, time.UTC)
	if got := e.Next(from); !got.Equal(time.Date(2026, 3, 1, 10, 1, 0, 0, time.UTC)) {
		t.Fatalf("got %s", got)
	}
}

func TestNextAcrossDaylightSaving(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	e, _ := Parse("30 2 * * *")
	// 29 March 2026: clocks jump from 02:00 to 03:00, so 02:30 does not exist that day.
	got := e.Next(time.Date(2026, 3, 28, 12, 0, 0, 0, loc))
	if want := time.Date(2026, 3, 30, 2, 30, 0, 0, loc); !got.Equal(want) {
		t.Fatalf("spring forward: got %s, want %s", got, want)
	}
	// 25 October 2026: 02:30 happens twice, an hour apart.
	hourly, _ := Parse("30 * * * *")
	first := hourly.Next(time.Date(2026, 10, 25, 2, 0, 0, 0, loc))
	second := hourly.Next(first)
	if second.Sub(first) != time.Hour {
		t.Fatalf("fall back: %s then %s", first, second)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"* * * *", "has 4 fields"},
		{"* * * * * *", "has 6 fields"},
		{"60 * * * *", "minute: 60 is out of range 0-59"},
		{"* 24 * * *", "hour: 24 is out of range 0-23"},
		{"* * 0 * *", "day of month: 0 is out of range 1-31"},
		{"* * * 13 *", "month: 13 is out of range 1-12"},
		{"* * * * 8", "day of week: 8 is out of range 0-7"},
		{"*/0 * * * *", `step "0"`},
		{"*/x * * * *", `step "x"`},
		{"5-1 * * * *", "runs backwards"},
		{"a * * * *", `"a" is not a number`},
		{"* * * foo *", `"foo" is not a number from 1 to 12 or a name such as jan`},
		{"1,,2 * * * *", "empty item"},
		{"0 0 30 2 *", "never fires"},
		{"", "has 0 fields"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.expr, err, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	e, err := Parse(" */5 * * * * ")
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != "*/5 * * * *" {
		t.Fatalf("String() = %q", e.String())
	}
}

// FuzzParse checks that any text either fails to parse or yields an expression whose next firing is
// later, on a whole minute, and matches the expression.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*/5 * * * *", "0 8 * * mon-fri", "@daily", "1-59/7 1,2,3 */3 jan-dec 0-7", "0 0 13 * fri"} {
		f.Add(s)
	}
	from := time.Date(2026, 2, 27, 23, 58, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		n := e.Next(from)
		if !n.After(from) || n.Second() != 0 {
			t.Fatalf("%q: Next = %s", s, n)
		}
		if !has(e.minute, n.Minute()) || !has(e.hour, n.Hour()) || !has(e.month, int(n.Month())) || !e.dayMatches(n) {
			t.Fatalf("%q: Next = %s does not match", s, n)
		}
	})
}

// Next is strictly after its input at every minute of the nights the clocks change, also from inside an
// hour that happens twice (a Next behind its input made the scheduler run a sync back to back for that
// hour), and an hourly expression fires once per hour of real time.
func TestNextMovesForwardThroughDaylightSaving(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	hourly, _ := Parse("0 * * * *")
	daily, _ := Parse("30 1 * * *")
	for _, day := range []time.Time{time.Date(2025, 11, 2, 0, 0, 0, 0, loc), time.Date(2026, 3, 8, 0, 0, 0, 0, loc)} {
		for at := day; at.Before(day.Add(4 * time.Hour)); at = at.Add(time.Minute) {
			for _, e := range []*Expr{hourly, daily} {
				if got := e.Next(at); !got.After(at) {
					t.Fatalf("%s: Next(%s) = %s, not after it", e, at, got)
				}
			}
		}
		fires := 0
		for at := day; at.Before(day.Add(4 * time.Hour)); at = hourly.Next(at) {
			fires++
		}
		if hours := int(day.Add(4*time.Hour).Sub(day) / time.Hour); fires != hours {
			t.Fatalf("%s: the hourly expression fired %d times in %d hours", day.Format("2006-01-02"), fires, hours)
		}
	}
}
