package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// runView is a run as printed by status and history.
type runView struct {
	ID        int64  `json:"id"`
	Sync      string `json:"sync"`
	Target    string `json:"target"`
	Status    string `json:"status"`
	ReadMode  string `json:"read_mode"`
	Started   string `json:"started"`
	Finished  string `json:"finished,omitempty"`
	Create    int    `json:"create"`
	Update    int    `json:"update"`
	Delete    int    `json:"delete"`
	Unchanged int    `json:"unchanged"`
	Failed    int    `json:"failed"`
	Error     string `json:"error,omitempty"`
}

func viewRun(r ledger.Run) runView {
	v := runView{ID: r.ID, Sync: r.Scope.Sync, Target: r.Scope.Target, Status: r.Status, ReadMode: r.ReadMode,
		Started: r.Started.Format(time.RFC3339), Create: r.Counts.Create, Update: r.Counts.Update,
		Delete: r.Counts.Delete, Unchanged: r.Counts.Unchanged, Failed: r.Counts.Failed, Error: r.Error}
	if !r.Finished.IsZero() {
		v.Finished = r.Finished.Format(time.RFC3339)
	}
	return v
}

func (v runView) line() string {
	s := fmt.Sprintf("#%d %s  %-11s %s  create %d  update %d  delete %d  unchanged %d  failed %d",
		v.ID, v.Started, v.Status, v.ReadMode, v.Create, v.Update, v.Delete, v.Unchanged, v.Failed)
	if v.Error != "" {
		s += "\n      error: " + v.Error
	}
	return s
}

// targetStatus is one target's line of `status`.
type targetStatus struct {
	Sync     string   `json:"sync"`
	Target   string   `json:"target"`
	Records  int      `json:"records"`
	Rejected int      `json:"rejected"`
	LastRun  *runView `json:"last_run"`
}

// withState loads the configuration, selects syncs and opens the state read-only.
func (a *app) withState(ctx context.Context, names []string, fn func(*ledger.SQLite, []*config.Sync) error) error {
	spec, err := a.load()
	if err != nil {
		return err
	}
	syncs, err := a.selectSyncs(spec, names)
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, spec, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := fn(st, syncs); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return nil
}

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status [SYNC...]",
		Short: "Show each sync and target: records held, rejected records and the last run",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withState(ctx, args, func(st *ledger.SQLite, syncs []*config.Sync) error {
				states, err := a.engine(st).Status(ctx, syncs)
				if err != nil {
					return err
				}
				out := []targetStatus{}
				for _, s := range states {
					ts := targetStatus{Sync: s.Sync, Target: s.Target, Records: s.Records, Rejected: s.Rejected}
					if s.LastRun != nil {
						v := viewRun(*s.LastRun)
						ts.LastRun = &v
					}
					out = append(out, ts)
				}
				if a.json {
					return a.printJSON(map[string]any{"targets": out})
				}
				for _, ts := range out {
					fmt.Fprintf(a.stdout, "%s → %s  records %d  rejected %d\n", ts.Sync, ts.Target, ts.Records, ts.Rejected)
					if ts.LastRun == nil {
						fmt.Fprintln(a.stdout, "  never run")
					} else {
						fmt.Fprintln(a.stdout, "  last run "+ts.LastRun.line())
					}
				}
				return nil
			})
		},
	}
}

func (a *app) historyCommand() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "history [SYNC...]",
		Short: "List past runs, newest first",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withState(ctx, args, func(st *ledger.SQLite, syncs []*config.Sync) error {
				var out []runView
				for _, sy := range syncs {
					for _, t := range sy.Targets {
						runs, err := st.Runs(ctx, ledger.Scope{Sync: sy.Name, Target: t.ID()}, limit)
						if err != nil {
							return err
						}
						for _, r := range runs {
							out = append(out, viewRun(r))
						}
					}
				}
				if a.json {
					return a.printJSON(map[string]any{"runs": out})
				}
				if len(out) == 0 {
					fmt.Fprintln(a.stdout, "no runs yet")
				}
				for _, v := range out {
					fmt.Fprintf(a.stdout, "%s → %s  %s\n", v.Sync, v.Target, v.line())
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "runs to show per target")
	return cmd
}

// rejectedView is a rejected record as printed.
type rejectedView struct {
	Sync        string          `json:"sync"`
	Target      string          `json:"target"`
	Key         json.RawMessage `json:"key"`
	Action      string          `json:"action"`
	Reason      string          `json:"reason"`
	Attempts    int             `json:"attempts"`
	FirstFailed string          `json:"first_failed"`
	LastFailed  string          `json:"last_failed"`
}

func (a *app) rejectedCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rejected",
		Short: "Inspect records that a target or the mapping rejected (they are retried on every run)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list [SYNC...]",
		Short: "List rejected records with their reasons",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withState(ctx, args, func(st *ledger.SQLite, syncs []*config.Sync) error {
				out := []rejectedView{}
				for _, sy := range syncs {
					for _, t := range sy.Targets {
						rej, err := st.Rejects(ctx, ledger.Scope{Sync: sy.Name, Target: t.ID()})
						if err != nil {
							return err
						}
						for _, r := range rej {
							out = append(out, rejectedView{Sync: sy.Name, Target: t.ID(), Key: json.RawMessage(r.Key),
								Action: r.Action, Reason: r.Reason, Attempts: r.Attempts,
								FirstFailed: r.FirstFailed.Format(time.RFC3339), LastFailed: r.LastFailed.Format(time.RFC3339)})
						}
					}
				}
				if a.json {
					return a.printJSON(map[string]any{"rejected": out})
				}
				if len(out) == 0 {
					fmt.Fprintln(a.stdout, "no rejected records")
				}
				for _, v := range out {
					fmt.Fprintf(a.stdout, "%s → %s  %s %s (attempts %d, last %s): %s\n",
						v.Sync, v.Target, v.Action, string(v.Key), v.Attempts, v.LastFailed, v.Reason)
				}
				return nil
			})
		},
	})
	cmd.AddCommand(a.rejectedShowCommand(), a.rejectedRetryCommand(), a.rejectedDropCommand())
	return cmd
}

// keyCandidates turns a key typed on the command line into the canonical keys it may mean: a JSON array
// as written, or one value as text and, when it parses, as a number.
func keyCandidates(arg string) []string {
	if strings.HasPrefix(strings.TrimSpace(arg), "[") {
		return []string{strings.TrimSpace(arg)}
	}
	out := []string{}
	if b, err := json.Marshal([]string{arg}); err == nil {
		out = append(out, string(b))
	}
	if n, err := strconv.ParseInt(arg, 10, 64); err == nil {
		out = append(out, fmt.Sprintf("[%d]", n))
	}
	return out
}

// findRejected finds one rejected record of a sync by its key, across the sync's targets.
func (a *app) findRejected(ctx context.Context, st *ledger.SQLite, sy *config.Sync, key string) (ledger.Scope, ledger.Rejected, error) {
	for _, t := range sy.Targets {
		sc := ledger.Scope{Sync: sy.Name, Target: t.ID()}
		rej, err := st.Rejects(ctx, sc)
		if err != nil {
			return sc, ledger.Rejected{}, err
		}
		for _, r := range rej {
			for _, k := range keyCandidates(key) {
				if r.Key == k {
					return sc, r, nil
				}
			}
		}
	}
	return ledger.Scope{}, ledger.Rejected{}, fmt.Errorf("sync %s has no rejected record with key %s (see oneway rejected list)", sy.Name, key)
}

func (a *app) rejectedShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show SYNC KEY",
		Short: "Show a rejected record: the reason, the attempts and what was sent",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withState(ctx, args[:1], func(st *ledger.SQLite, syncs []*config.Sync) error {
				sc, r, err := a.findRejected(ctx, st, syncs[0], args[1])
				if err != nil {
					return err
				}
				var payload any
				if v, err := connector.UnmarshalTyped(r.Payload); err == nil {
					payload = v
				}
				view := map[string]any{"sync": sc.Sync, "target": sc.Target, "key": json.RawMessage(r.Key),
					"target_key": json.RawMessage(r.TargetKey), "action": r.Action, "reason": r.Reason,
					"attempts": r.Attempts, "first_failed": r.FirstFailed.Format(time.RFC3339),
					"last_failed": r.LastFailed.Format(time.RFC3339), "payload": payload}
				if a.json {
					return a.printJSON(view)
				}
				fmt.Fprintf(a.stdout, "%s → %s  %s %s\n  reason:   %s\n  attempts: %d (first %s, last %s)\n  payload:  %s\n",
					sc.Sync, sc.Target, r.Action, r.Key, r.Reason, r.Attempts, view["first_failed"], view["last_failed"], compact(payload))
				return nil
			})
		},
	}
}

func (a *app) rejectedRetryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "retry [SYNC...]",
		Short: "Retry rejected records now: runs the syncs (every run retries them anyway)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.execute(cmd.Context(), args, engine.Options{Apply: true})
		},
	}
}

func (a *app) rejectedDropCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "drop SYNC [KEY...]",
		Short: "Stop retrying rejected records (this version is not sent again until it changes)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 && !all {
				return invalid(fmt.Errorf("name the keys to drop, or pass --all to drop every rejected record of %s", args[0]))
			}
			spec, err := a.load()
			if err != nil {
				return err
			}
			syncs, err := a.selectSyncs(spec, args[:1])
			if err != nil {
				return err
			}
			st, err := a.openState(ctx, spec, false)
			if err != nil {
				return err
			}
			defer st.Close()
			eng := a.engine(st)
			dropped := 0
			for _, sy := range syncs {
				// A run plans on the ledger as it stood when it started: a drop must not change it meanwhile.
				unlock, err := st.Lock(sy.Name)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				defer unlock()
				if all {
					for _, t := range sy.Targets {
						n, err := eng.DropRejected(ctx, ledger.Scope{Sync: sy.Name, Target: t.ID()}, nil)
						if err != nil {
							return &exitError{code: exitFailed, err: err}
						}
						dropped += n
					}
					continue
				}
				for _, key := range args[1:] {
					sc, r, err := a.findRejected(ctx, st, sy, key)
					if err != nil {
						return &exitError{code: exitFailed, err: err}
					}
					n, err := eng.DropRejected(ctx, sc, []string{r.Key})
					if err != nil {
						return &exitError{code: exitFailed, err: err}
					}
					dropped += n
				}
			}
			if a.json {
				return a.printJSON(map[string]any{"dropped": dropped})
			}
			fmt.Fprintf(a.stdout, "dropped %d rejected record(s)\n", dropped)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "drop every rejected record of the sync")
	return cmd
}
