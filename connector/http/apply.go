package http

import (
	"context"
	"fmt"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// ApplyEach applies a batch one change at a time with fn, which returns the target's id of the record
// (or "") and the change's error. It is the Apply of writers whose API has no batch endpoint.
//
// Once a change fails with a wait the server asked for (429 or 503 with Retry-After), the rest of the
// batch is not sent: those changes get the same transient error, so the engine waits once and resends
// them instead of hammering an API that said to stop. A canceled context ends the batch the same way.
// The error return is always nil: every change has its own Result.
func ApplyEach(ctx context.Context, batch []connector.Change, fn func(context.Context, connector.Change) (string, error)) ([]connector.Result, error) {
	results := make([]connector.Result, len(batch))
	var stop error
	for i, ch := range batch {
		if stop == nil {
			if err := ctx.Err(); err != nil {
				stop = connector.NotSent(connector.Transient(fmt.Errorf("not sent: %w", err)))
			}
		}
		if stop != nil {
			results[i].Err = stop
			continue
		}
		id, err := fn(ctx, ch)
		results[i] = connector.Result{ID: id, Err: err}
		if wait, ok := connector.RetryAfterOf(err); ok && err != nil {
			stop = connector.NotSent(connector.TransientAfter(fmt.Errorf("not sent after the API asked to wait %s: %w", wait, err), wait))
		}
		if httpclient.Unauthorized(err) {
			// Every further request would be refused the same way: don't send them.
			stop = connector.NotSent(fmt.Errorf("not sent after the API refused the credentials: %w", err))
		}
	}
	return results, nil
}
