package engine

import (
	"sync"

	"github.com/onewaysync/oneway/internal/ledger"
)

// commitPipe stores each acknowledged batch in the ledger on a goroutine of its own, while the next
// batch goes to the target: the two waits overlap. Commits keep their order, and at most one is pending
// while a batch is written, so memory holds one batch's entries more than a sequential apply. A
// batch's inflight row was recorded while planning, so nothing needs to be durable before its send.
type commitPipe struct {
	jobs chan pipeJob
	done chan struct{}
	mu   sync.Mutex
	err  error
}

type pipeJob struct {
	c     ledger.Commit
	after func() // runs once c is stored
}

func newCommitPipe(commit func(ledger.Commit) error) *commitPipe {
	p := &commitPipe{jobs: make(chan pipeJob), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for j := range p.jobs {
			if p.failed() != nil {
				continue // a commit failed: the writer stops at its next batch; drain what it sent
			}
			if err := commit(j.c); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				continue
			}
			if j.after != nil {
				j.after()
			}
		}
	}()
	return p
}

// send hands c over; it waits while the previous commit is still being stored.
func (p *commitPipe) send(c ledger.Commit, after func()) error {
	if err := p.failed(); err != nil {
		return err
	}
	p.jobs <- pipeJob{c: c, after: after}
	return nil
}

// failed returns the error of a commit that failed, if any.
func (p *commitPipe) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// close waits until every commit sent was stored (or failed) and returns the first failure.
func (p *commitPipe) close() error {
	close(p.jobs)
	<-p.done
	return p.failed()
}
