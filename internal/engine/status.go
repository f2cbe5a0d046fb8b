package engine

import (
	"context"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
)

// TargetState is what the state says of one sync's target: what `oneway status` and the HTTP API show.
type TargetState struct {
	Sync, Tenant, Target string
	// Records is how many records the ledger holds as written (live or pending).
	Records int
	// Rejected is how many records are waiting to be retried.
	Rejected int
	// LastRun is the newest run (nil before the first); LastSuccess the newest that ended ok (nil if none
	// among the recent runs).
	LastRun     *ledger.Run
	LastSuccess *ledger.Run
	// Failing is true when the newest run failed, was refused or was interrupted.
	Failing bool
}

// recentRuns is how many runs per target are read to find the last successful one.
const recentRuns = 50

// Status reads the state of every target of syncs.
func (e *Engine) Status(ctx context.Context, syncs []*config.Sync) ([]TargetState, error) {
	var out []TargetState
	for _, sy := range syncs {
		for _, t := range sy.Targets {
			sc := ledger.Scope{Sync: sy.Name, Target: t.ID()}
			ts := TargetState{Sync: sy.Name, Tenant: sy.Tenant, Target: t.ID()}
			var err error
			if ts.Records, err = e.Store.CountLive(ctx, sc); err != nil {
				return nil, err
			}
			rej, err := e.Store.Rejects(ctx, sc)
			if err != nil {
				return nil, err
			}
			ts.Rejected = len(rej)
			runs, err := e.Store.Runs(ctx, sc, recentRuns)
			if err != nil {
				return nil, err
			}
			if len(runs) > 0 {
				ts.LastRun = &runs[0]
				switch runs[0].Status {
				case ledger.RunFailed, ledger.RunRefused, ledger.RunInterrupted:
					ts.Failing = true
				}
			}
			for i := range runs {
				if runs[i].Status == ledger.RunOK && !runs[i].Finished.IsZero() {
					ts.LastSuccess = &runs[i]
					break
				}
			}
			out = append(out, ts)
		}
	}
	return out, nil
}
