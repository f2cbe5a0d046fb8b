package cron

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed cron expression. The zero value is not usable; call Parse.
type Expr struct {
	text                     string
	minute, hour, dom, month uint64 // bit i set: value i matches
	dow                      uint64 // 0 = Sunday ... 6 = Saturday (7 is folded into 0)
	// domAny and dowAny record a `*` day field: when both day fields are restricted, a day matches if
	// either does (the rule of Vixie cron and POSIX), otherwise both must.
	domAny, dowAny bool
}

// field describes one of the five fields.
type field struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i (months, weekdays)
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day of week", min: 0, max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var macros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// Parse reads a five-field expression such as "*/5 * * * *" or "0 8 * * mon-fri", or one of @yearly,
// @monthly, @weekly, @daily, @hourly. Each field takes *, a value, a range a-b, a step */n or a-b/n, and
// comma-separated lists of those; months and weekdays also take three-letter names. An expression that
// never fires (such as 30 February) is an error too.
func Parse(text string) (*Expr, error) {
	spec := strings.TrimSpace(text)
	if m, ok := macros[strings.ToLower(spec)]; ok {
		spec = m
	}
	parts := strings.Fields(spec)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron expression %q has %d fields; want 5: minute hour day-of-month month day-of-week (such as \"*/5 * * * *\")", text, len(parts))
	}
	e := &Expr{text: strings.TrimSpace(text)}
	sets := [5]*uint64{&e.minute, &e.hour, &e.dom, &e.month, &e.dow}
	for i, p := range parts {
		set, err := parseField(p, fields[i])
		if err != nil {
			return nil, fmt.Errorf("cron expression %q: %s: %w", text, fields[i].name, err)
		}
		*sets[i] = set
	}
	if e.dow&(1<<7) != 0 {
		e.dow = e.dow&^(1<<7) | 1
	}
	// As in Vixie cron, a day field that starts with * (such as */2) counts as unrestricted.
	e.domAny = strings.HasPrefix(parts[2], "*")
	e.dowAny = strings.HasPrefix(parts[4], "*")
	// Eight years cover every leap-year combination of day and month.
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if e.next(from, from.AddDate(8, 0, 0)).IsZero() {
		return nil, fmt.Errorf("cron expression %q never fires (no date has that day in that month)", text)
	}
	return e, nil
}

// String returns the expression as written.
func (e *Expr) String() string { return e.text }

func parseField(s string, f field) (uint64, error) {
	var set uint64
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return 0, fmt.Errorf("empty item in %q", s)
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		lo, hi := f.min, f.max
		if f.name == "day of week" {
			hi = 6 // * means Sunday to Saturday once; 7 is accepted only when written
		}
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = value(a, f); err != nil {
				return 0, err
			}
			if hi, err = value(b, f); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("range %s runs backwards", rng)
			}
		default:
			v, err := value(rng, f)
			if err != nil {
				return 0, err
			}
			lo = v
			if !hasStep {
				hi = v
			} else if f.name == "day of week" {
				hi = 6
			}
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 || n > f.max {
				return 0, fmt.Errorf("step %q must be a whole number from 1 to %d", stepText, f.max)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func value(s string, f field) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		if len(f.names) > 0 {
			return 0, fmt.Errorf("%q is not a number from %d to %d or a name such as %s", s, f.min, f.max, f.names[0])
		}
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, f.min, f.max)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

func has(set uint64, v int) bool { return set&(1<<v) != 0 }

func (e *Expr) dayMatches(t time.Time) bool {
	dom, dow := has(e.dom, t.Day()), has(e.dow, int(t.Weekday()))
	if !e.domAny && !e.dowAny {
		return dom || dow
	}
	return dom && dow
}

// Next returns the first minute strictly after t at which the expression fires, in t's location. It
// returns the zero time only for an expression that never fires, which Parse refuses.
func (e *Expr) Next(t time.Time) time.Time {
	return e.next(t, t.AddDate(8, 0, 0))
}

func (e *Expr) next(t, limit time.Time) time.Time {
	loc := t.Location()
	// Start at the next whole minute, counted in absolute time: rebuilding t from its wall clock would
	// move an instant of a repeated hour (the second 01:40 of a night the clocks go back) to the first
	// one, before t. Each step below moves strictly forward, to the start of the next month, day, hour or
	// minute, so the loop ends. Across a daylight-saving change a local time that does not exist is
	// skipped, and one that happens twice matches both times.
	t = t.Truncate(time.Minute).Add(time.Minute)
	for !t.After(limit) {
		var next time.Time
		switch {
		case !has(e.month, int(t.Month())):
			next = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !e.dayMatches(t):
			next = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case !has(e.hour, t.Hour()):
			next = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc).Add(time.Hour)
		case !has(e.minute, t.Minute()):
			next = t.Add(nextGap(e.minute, t.Minute()))
		default:
			return t
		}
		if !next.After(t) {
			// A wall clock in a repeated hour resolved to its first occurrence, behind t.
			next = t.Add(time.Minute)
		}
		t = next
	}
	return time.Time{}
}

// nextGap is how many minutes from minute m to the next set minute of the hour, or to the next hour.
func nextGap(set uint64, m int) time.Duration {
	rest := set >> (m + 1) << (m + 1)
	if rest == 0 {
		return time.Duration(60-m) * time.Minute
	}
	return time.Duration(bits.TrailingZeros64(rest)-m) * time.Minute
}
