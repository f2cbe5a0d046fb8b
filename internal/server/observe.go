package server

import (
	"context"
	"errors"

	"github.com/onewaysync/oneway/internal/alert"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// seed reads the state once at start: each target's last successful run (metrics: last success, lag),
// its rejected records (metrics) and each sync's health (alerts), so that a restart neither loses the
// lag nor announces a failure that was already there.
func (s *Server) seed(ctx context.Context) error {
	for _, sy := range s.spec.Syncs {
		h := alert.Health{Sync: sy.Name}
		states, err := s.base.Status(ctx, []*config.Sync{sy})
		if err != nil {
			return err
		}
		for _, st := range states {
			h.Failing = h.Failing || st.Failing
			if st.LastSuccess != nil {
				s.metrics.SetLastSuccess(sy.Name, st.Target, st.LastSuccess.Finished)
			}
			s.metrics.SetRejected(sy.Name, st.Target, st.Rejected)
			h.Targets = append(h.Targets, alert.TargetHealth{Target: st.Target, Rejected: st.Rejected, Records: st.Records})
		}
		s.tracker.Seed(h)
		s.metrics.SetRunning(sy.Name, false)
	}
	return nil
}

func (s *Server) targetHealth(ctx context.Context, sc ledger.Scope) (alert.TargetHealth, error) {
	rej, err := s.store.Rejects(ctx, sc)
	if err != nil {
		return alert.TargetHealth{}, err
	}
	live, err := s.store.CountLive(ctx, sc)
	if err != nil {
		return alert.TargetHealth{}, err
	}
	s.metrics.SetRejected(sc.Sync, sc.Target, len(rej))
	return alert.TargetHealth{Target: sc.Target, Rejected: len(rej), Records: live}, nil
}

// afterRun feeds a finished run to the metrics and the alerts.
func (s *Server) afterRun(ctx context.Context, run *Run) {
	s.metrics.SetRunning(run.Sync, false)
	if run.Report == nil {
		return
	}
	s.metrics.Observe(run.Report, run.Finished)
	h := alert.Health{Sync: run.Sync}
	for _, res := range run.Report.Results {
		if res.Status == engine.StatusFailed || res.Status == engine.StatusRefused {
			h.Failing = true
			if h.Error == "" {
				h.Error = res.Target + ": " + res.Error
			}
		}
		th, err := s.targetHealth(ctx, ledger.Scope{Sync: res.Sync, Target: res.Target})
		if err != nil {
			s.log.Error("read the state after a run", "sync", run.Sync, "target", res.Target, "error", s.spec.Redact(err.Error()))
			return
		}
		h.Targets = append(h.Targets, th)
	}
	if errors.Is(run.Err, context.Canceled) {
		// Stopped by a shutdown, not by a fault: nothing to tell anyone.
		return
	}
	for _, e := range s.tracker.Observe(h, run.Finished) {
		e.Text, e.Error = s.spec.Redact(e.Text), s.spec.Redact(e.Error)
		s.log.Warn("sync health changed", "sync", e.Sync, "event", e.Kind, "text", e.Text)
		if s.sender != nil {
			s.sender.Send(e)
		}
	}
}
