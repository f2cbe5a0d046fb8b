package webhook

import (
	"container/list"
	"sync"
	"time"
)

// Seen remembers delivery ids for a while, to refuse replays. It is bounded in both time (TTL) and
// size (the oldest ids go first), so a flood of signed deliveries cannot exhaust memory. Safe for
// concurrent use.
type Seen struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	order *list.List // of *seenEntry, oldest first
	byID  map[string]*list.Element
}

type seenEntry struct {
	id string
	at time.Time
}

// NewSeen returns a cache that keeps ids for ttl, at most max of them.
func NewSeen(ttl time.Duration, max int) *Seen {
	return &Seen{ttl: ttl, max: max, order: list.New(), byID: map[string]*list.Element{}}
}

// Add records id as seen at now. It returns false when id was seen already within the TTL (a replay).
func (s *Seen) Add(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		if now.Sub(e.Value.(*seenEntry).at) < s.ttl {
			break
		}
		s.drop(e)
	}
	if _, dup := s.byID[id]; dup {
		return false
	}
	for s.order.Len() >= s.max {
		s.drop(s.order.Front())
	}
	s.byID[id] = s.order.PushBack(&seenEntry{id: id, at: now})
	return true
}

// Forget removes id, so that a delivery that was accepted but could not be acted on may be sent again.
func (s *Seen) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[id]; ok {
		s.drop(e)
	}
}

// Len returns how many ids are remembered.
func (s *Seen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

func (s *Seen) drop(e *list.Element) {
	delete(s.byID, e.Value.(*seenEntry).id)
	s.order.Remove(e)
}
