package alert

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Kinds of events.
const (
	Failing        = "failing"         // the sync's last run failed (or a guard refused it)
	Recovered      = "recovered"       // a run succeeded after failing ones
	RejectedHigh   = "rejected_high"   // a target's rejected records exceed the configured share
	RejectedNormal = "rejected_normal" // back at or below the share on every target
)

// Event is one change of a sync's health. Its JSON form is what the webhook receives.
type Event struct {
	Sync  string    `json:"sync"`
	Kind  string    `json:"event"`
	Text  string    `json:"text"`
	Time  time.Time `json:"time"`
	Error string    `json:"error,omitempty"`
	// Target and RejectedShare name the worst target for rejected_* events.
	Target        string  `json:"target,omitempty"`
	Rejected      int     `json:"rejected,omitempty"`
	RejectedShare float64 `json:"rejected_share,omitempty"`
	Threshold     float64 `json:"threshold,omitempty"`
}

// TargetHealth is one target's state after a run.
type TargetHealth struct {
	Target   string
	Rejected int // records in the rejected list
	Records  int // records live in the target
}

// Share is the rejected records' share of all the records the target should hold.
func (t TargetHealth) Share() float64 {
	if t.Rejected == 0 {
		return 0
	}
	return float64(t.Rejected) / float64(t.Rejected+t.Records)
}

// Health is a sync's state after a run.
type Health struct {
	Sync    string
	Failing bool
	Error   string // why it failed, already free of secrets
	Targets []TargetHealth
}

// Tracker remembers each sync's last known health and reports changes. Safe for concurrent use.
type Tracker struct {
	threshold float64
	mu        sync.Mutex
	state     map[string]*known
}

type known struct {
	failing, rejectedHigh bool
}

// NewTracker returns a tracker raising rejected_high above threshold (a share from 0 to 1).
func NewTracker(threshold float64) *Tracker {
	return &Tracker{threshold: threshold, state: map[string]*known{}}
}

// Seed sets a sync's known health without an event: the state a restarted server finds in the ledger,
// so that a sync failing before the restart is not announced again.
func (t *Tracker) Seed(h Health) {
	t.mu.Lock()
	defer t.mu.Unlock()
	high, _ := t.worst(h)
	t.state[h.Sync] = &known{failing: h.Failing, rejectedHigh: high}
}

// Observe records a sync's health after a run and returns the events it causes: none when nothing
// changed. A sync never seen before counts as ok.
func (t *Tracker) Observe(h Health, now time.Time) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	k, ok := t.state[h.Sync]
	if !ok {
		k = &known{}
		t.state[h.Sync] = k
	}
	var events []Event
	switch {
	case h.Failing && !k.failing:
		text := fmt.Sprintf("oneway: sync %s is failing", h.Sync)
		if h.Error != "" {
			text += ": " + h.Error
		}
		events = append(events, Event{Sync: h.Sync, Kind: Failing, Text: text, Time: now, Error: h.Error})
	case !h.Failing && k.failing:
		events = append(events, Event{Sync: h.Sync, Kind: Recovered, Text: fmt.Sprintf("oneway: sync %s recovered: its last run succeeded", h.Sync), Time: now})
	}
	k.failing = h.Failing
	// A failed run says little about rejected records (it may not have reached the target), so the
	// rejected state only moves on runs that did not fail.
	if !h.Failing {
		high, worst := t.worst(h)
		switch {
		case high && !k.rejectedHigh:
			events = append(events, Event{Sync: h.Sync, Kind: RejectedHigh, Time: now, Target: worst.Target,
				Rejected: worst.Rejected, RejectedShare: worst.Share(), Threshold: t.threshold,
				Text: fmt.Sprintf("oneway: sync %s: %d rejected records in %s (%.1f%% of its records), above the %.1f%% threshold; see the rejected list",
					h.Sync, worst.Rejected, worst.Target, 100*worst.Share(), 100*t.threshold)})
		case !high && k.rejectedHigh:
			events = append(events, Event{Sync: h.Sync, Kind: RejectedNormal, Time: now, Threshold: t.threshold,
				Text: fmt.Sprintf("oneway: sync %s: rejected records are back at or below %.1f%% of every target's records", h.Sync, 100*t.threshold)})
		}
		k.rejectedHigh = high
	}
	return events
}

// worst returns whether some target is above the threshold, and the target with the highest share.
func (t *Tracker) worst(h Health) (bool, TargetHealth) {
	targets := append([]TargetHealth(nil), h.Targets...)
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].Share() > targets[j].Share() })
	if len(targets) == 0 {
		return false, TargetHealth{}
	}
	return targets[0].Share() > t.threshold, targets[0]
}
