package server

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// Sync statuses, as the API and the dashboard show them.
const (
	StatusRunning  = "running"
	StatusOK       = "ok"
	StatusFailing  = "failing"
	StatusNeverRun = "never_run"
)

// syncView is a sync's state: the ledger's (last runs, records, rejected) and the server's (running,
// next run). The JSON names are part of the API.
type syncView struct {
	Name        string         `json:"name"`
	Tenant      string         `json:"tenant,omitempty"`
	Status      string         `json:"status"`
	Running     bool           `json:"running"`
	Queued      bool           `json:"queued"`
	Schedule    string         `json:"schedule,omitempty"`
	NextRun     *time.Time     `json:"next_run,omitempty"`
	Webhook     bool           `json:"webhook"`
	LastRun     *runView       `json:"last_run,omitempty"`
	LastSuccess *time.Time     `json:"last_success,omitempty"`
	LagSeconds  *float64       `json:"lag_seconds,omitempty"`
	Records     int            `json:"records"`
	Rejected    int            `json:"rejected"`
	Progress    *progressView  `json:"progress,omitempty"`
	LastTrigger string         `json:"last_trigger,omitempty"`
	Targets     []targetView   `json:"targets"`
	Report      *engine.Report `json:"-"` // the last run this server made, for the dashboard
}

type targetView struct {
	Target      string     `json:"target"`
	Status      string     `json:"status"`
	Records     int        `json:"records"`
	Rejected    int        `json:"rejected"`
	LastRun     *runView   `json:"last_run,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	LagSeconds  *float64   `json:"lag_seconds,omitempty"`
}

type progressView struct {
	Started time.Time           `json:"started"`
	Trigger string              `json:"trigger"`
	Read    int                 `json:"read"`
	Applied map[string][2]int   `json:"applied"` // target -> [done, total]
	Targets []targetProgressRow `json:"-"`
}

type targetProgressRow struct {
	Target      string
	Done, Total int
}

// runView is one run of one target, from the ledger.
type runView struct {
	ID              int64      `json:"id"`
	Sync            string     `json:"sync"`
	Target          string     `json:"target"`
	Status          string     `json:"status"`
	ReadMode        string     `json:"read_mode"`
	Started         time.Time  `json:"started"`
	Finished        *time.Time `json:"finished,omitempty"`
	DurationSeconds float64    `json:"duration_seconds"`
	Create          int        `json:"create"`
	Update          int        `json:"update"`
	Delete          int        `json:"delete"`
	Unchanged       int        `json:"unchanged"`
	Failed          int        `json:"failed"`
	Error           string     `json:"error,omitempty"`
}

func viewRun(r ledger.Run) runView {
	v := runView{ID: r.ID, Sync: r.Scope.Sync, Target: r.Scope.Target, Status: r.Status, ReadMode: r.ReadMode,
		Started: r.Started, Create: r.Counts.Create, Update: r.Counts.Update, Delete: r.Counts.Delete,
		Unchanged: r.Counts.Unchanged, Failed: r.Counts.Failed, Error: r.Error}
	if !r.Finished.IsZero() {
		f := r.Finished
		v.Finished = &f
		v.DurationSeconds = f.Sub(r.Started).Seconds()
	}
	return v
}

// rejectedView is a rejected record; its payload (record contents) is not shown.
type rejectedView struct {
	Sync        string          `json:"sync"`
	Target      string          `json:"target"`
	Key         json.RawMessage `json:"key"`
	Action      string          `json:"action"`
	Reason      string          `json:"reason"`
	Attempts    int             `json:"attempts"`
	FirstFailed time.Time       `json:"first_failed"`
	LastFailed  time.Time       `json:"last_failed"`
}

// view builds a sync's state.
func (s *Server) view(ctx context.Context, sy *config.Sync) (*syncView, error) {
	now := s.clock.Now()
	svc := s.spec.Services[sy.Name]
	v := &syncView{Name: sy.Name, Tenant: sy.Tenant, Status: StatusNeverRun, Targets: []targetView{}}
	if svc != nil && svc.Schedule != nil {
		v.Schedule = svc.Schedule.String()
	}
	v.Webhook = svc != nil && svc.Webhook != nil
	running, queued, last, next, p := s.runner.state(sy.Name)
	if !next.IsZero() {
		v.NextRun = &next
	}
	v.Queued = queued != nil
	if last != nil {
		v.LastTrigger = last.Trigger
		v.Report = last.Report
	}
	anyRun, failing, neverSucceeded := false, false, false
	states, err := s.base.Status(ctx, []*config.Sync{sy})
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		tv := targetView{Target: st.Target, Status: StatusNeverRun, Records: st.Records, Rejected: st.Rejected}
		if st.LastRun != nil {
			rv := viewRun(*st.LastRun)
			tv.LastRun, tv.Status, anyRun = &rv, StatusOK, true
			if st.Failing {
				tv.Status, failing = StatusFailing, true
			}
			if v.LastRun == nil || rv.Started.After(v.LastRun.Started) {
				v.LastRun = &rv
			}
		}
		if st.LastSuccess != nil {
			f := st.LastSuccess.Finished
			lag := now.Sub(f).Seconds()
			tv.LastSuccess, tv.LagSeconds = &f, &lag
		}
		// The sync's lag is its most lagging target's, and none while a target has never succeeded.
		switch {
		case tv.LagSeconds == nil:
			neverSucceeded = true
		case v.LagSeconds == nil || *tv.LagSeconds > *v.LagSeconds:
			v.LagSeconds, v.LastSuccess = tv.LagSeconds, tv.LastSuccess
		}
		v.Records += tv.Records
		v.Rejected += tv.Rejected
		v.Targets = append(v.Targets, tv)
	}
	if neverSucceeded {
		v.LagSeconds, v.LastSuccess = nil, nil
	}
	switch {
	case running != nil:
		v.Status, v.Running = StatusRunning, true
		pv := &progressView{Started: running.Started, Trigger: running.Trigger, Read: p.Read, Applied: p.Applied}
		for _, t := range sy.Targets {
			if a, ok := p.Applied[t.ID()]; ok {
				pv.Targets = append(pv.Targets, targetProgressRow{Target: t.ID(), Done: a[0], Total: a[1]})
			}
		}
		v.Progress = pv
	case failing:
		v.Status = StatusFailing
	case anyRun:
		v.Status = StatusOK
	}
	return v, nil
}

// views builds the state of the syncs matching a tenant filter ("" for all).
func (s *Server) views(ctx context.Context, tenant string) ([]*syncView, error) {
	out := []*syncView{}
	for _, sy := range s.spec.Syncs {
		if !matchTenant(sy, tenant) {
			continue
		}
		v, err := s.view(ctx, sy)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// matchTenant filters syncs per tenant: a sync that belongs to a tenant (`tenants:` in the
// configuration) matches that tenant's name; any other sync matches when its name starts with the
// filter, so that syncs named by a customer prefix (acme-hired, acme-left) can be told apart too.
func matchTenant(sy *config.Sync, tenant string) bool {
	tenant = strings.TrimSpace(tenant)
	if tenant == "" {
		return true
	}
	if sy.Tenant != "" {
		return sy.Tenant == tenant
	}
	return strings.HasPrefix(sy.Name, tenant)
}

// tenants lists the tenants the configuration names, for the dashboard's filter.
func (s *Server) tenants() []string {
	var out []string
	for _, sy := range s.spec.Syncs {
		if sy.Tenant != "" && !slices.Contains(out, sy.Tenant) {
			out = append(out, sy.Tenant)
		}
	}
	slices.Sort(out)
	return out
}

// runs lists the runs of a sync (all targets, or one), newest first, at most limit.
func (s *Server) runs(ctx context.Context, sy *config.Sync, target string, limit int) ([]runView, error) {
	var all []runView
	for _, t := range sy.Targets {
		if target != "" && t.ID() != target {
			continue
		}
		runs, err := s.store.Runs(ctx, ledger.Scope{Sync: sy.Name, Target: t.ID()}, limit)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			all = append(all, viewRun(r))
		}
	}
	sortRuns(all)
	if len(all) > limit {
		all = all[:limit]
	}
	if all == nil {
		all = []runView{}
	}
	return all, nil
}

// rejected lists a sync's rejected records (all targets, or one).
func (s *Server) rejected(ctx context.Context, sy *config.Sync, target string) ([]rejectedView, error) {
	out := []rejectedView{}
	for _, t := range sy.Targets {
		if target != "" && t.ID() != target {
			continue
		}
		rej, err := s.store.Rejects(ctx, ledger.Scope{Sync: sy.Name, Target: t.ID()})
		if err != nil {
			return nil, err
		}
		for _, r := range rej {
			out = append(out, rejectedView{Sync: sy.Name, Target: t.ID(), Key: json.RawMessage(r.Key), Action: r.Action,
				Reason: s.spec.Redact(r.Reason), Attempts: r.Attempts, FirstFailed: r.FirstFailed, LastFailed: r.LastFailed})
		}
	}
	return out, nil
}

// findSync returns a configured sync by name.
func (s *Server) findSync(name string) *config.Sync {
	for _, sy := range s.spec.Syncs {
		if sy.Name == name {
			return sy
		}
	}
	return nil
}

// hasTarget reports whether a sync writes target.
func hasTarget(sy *config.Sync, target string) bool {
	for _, t := range sy.Targets {
		if t.ID() == target {
			return true
		}
	}
	return false
}

// sortRuns orders runs newest first (run ids grow over time across scopes).
func sortRuns(runs []runView) {
	slices.SortStableFunc(runs, func(a, b runView) int {
		switch {
		case a.ID > b.ID:
			return -1
		case a.ID < b.ID:
			return 1
		}
		return 0
	})
}

func scopeOf(sy *config.Sync, t *config.Target) ledger.Scope {
	return ledger.Scope{Sync: sy.Name, Target: t.ID()}
}
