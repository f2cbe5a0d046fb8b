package memory

import (
	"github.com/onewaysync/oneway/connector"
)

// control holds a stream's injected faults and counters. It lives apart from the stream so that a test
// can arm a fault before the engine creates the stream.
type control struct {
	applyFault func(connector.Change) error
	batchErr   error
	batchAfter int // Apply calls that still succeed before batchErr
	readErr    error
	readAfter  int
	commitErr  error
	lostAck    error // Apply applies the batch, then returns this: the acknowledgement is lost

	applies int
	changes int
}

func (s *Store) controlLocked(name string) *control {
	c, ok := s.controls[name]
	if !ok {
		c = &control{}
		s.controls[name] = c
	}
	return c
}

// FailApply makes writers of a stream reject, one by one, the changes for which f returns an error: the
// change's Result.Err wraps that error and the change is not applied; the others are. Return
// connector.Transient(err) to simulate a retryable rejection. f is called outside the store's lock, one
// change at a time, in batch order. A nil f removes the fault.
func (s *Store) FailApply(stream string, f func(connector.Change) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controlLocked(stream).applyFault = f
}

// FailBatchAfter lets the next n Apply calls on a stream succeed, then makes every later Apply call return
// an error wrapping err, with nothing of the batch applied. n = 0 fails the very next call. A nil err
// removes the fault.
func (s *Store) FailBatchAfter(stream string, n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.controlLocked(stream)
	c.batchErr, c.batchAfter = err, n
}

// FailReadAfter makes every read of a stream opened from now on (Read and ReadCursor) deliver at most n
// records and then return an error wrapping err from Next, in place of the rest of the records or of
// io.EOF. A nil err removes the fault; reads already open keep it.
func (s *Store) FailReadAfter(stream string, n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.controlLocked(stream)
	c.readErr, c.readAfter = err, n
}

// FailCommit makes Commit of transactional writers on a stream return an error wrapping err and discard
// what they staged, so the stream stays as before. A nil err removes the fault.
func (s *Store) FailCommit(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controlLocked(stream).commitErr = err
}

// Applied returns how many Apply calls the writers of a stream received and how many changes they held,
// counting calls that failed and changes that were rejected. A test asserts "nothing was written" with
// calls == 0.
func (s *Store) Applied(stream string) (calls, changes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.controlLocked(stream)
	return c.applies, c.changes
}

// beginApply counts an Apply call of n changes and returns the per-change fault, or the batch error when
// the call must fail.
func (s *Store) beginApply(stream string, n int) (func(connector.Change) error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.controlLocked(stream)
	c.applies++
	c.changes += n
	if c.batchErr != nil {
		if c.batchAfter <= 0 {
			return nil, c.batchErr
		}
		c.batchAfter--
	}
	return c.applyFault, nil
}

// LoseAcks makes every later Apply on a stream apply its batch and then return an error wrapping err, as
// when a process dies or a connection drops after the target wrote but before oneway heard back. A nil
// err removes the fault.
func (s *Store) LoseAcks(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.controlLocked(stream).lostAck = err
}

func (s *Store) lostAck(stream string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.controlLocked(stream).lostAck
}
