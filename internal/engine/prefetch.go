package engine

import (
	"context"

	"github.com/onewaysync/oneway/connector"
)

// prefetcher reads the source's next batch on a goroutine of its own while the engine diffs the
// current one, so that the source's latency and decoding overlap the hashing and the ledger. It holds
// at most one batch ahead. Reader calls stay on one goroutine at a time, as the contract asks: Next on
// the prefetching goroutine, Close after it has stopped.
type prefetcher struct {
	r      connector.Reader
	ch     chan fetched
	cancel context.CancelFunc
	done   chan struct{}
}

type fetched struct {
	recs []connector.Record
	err  error
}

func prefetch(ctx context.Context, r connector.Reader) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{r: r, ch: make(chan fetched), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			recs, err := r.Next(ctx)
			select {
			case p.ch <- fetched{recs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return // EOF or a failure: Next reports it, and is not called again
			}
		}
	}()
	return p
}

// Next returns the next batch, or the error that ended the read.
func (p *prefetcher) Next(ctx context.Context) ([]connector.Record, error) {
	select {
	case f := <-p.ch:
		return f.recs, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the prefetching goroutine, then closes the reader.
func (p *prefetcher) Close() error {
	p.cancel()
	<-p.done
	return p.r.Close()
}
