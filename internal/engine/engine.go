package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
)

// Engine runs syncs. The CLI and (later) the HTTP API call the same methods.
type Engine struct {
	Registry *connector.Registry
	Store    ledger.Store
	Logger   *slog.Logger
	// Progress, when set, is told about reads and writes as they happen.
	Progress Progress
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer. Tests make it instant.
	Sleep func(ctx context.Context, d time.Duration) error
	// Redact removes secrets from error texts before they are stored or returned; nil keeps text.
	Redact func(string) string
}

// Options change what Execute does.
type Options struct {
	// Apply writes the plan to the targets; without it Execute only plans and writes nothing anywhere.
	Apply bool
	// AllowMassDelete lets removals exceed a target's max_delete_ratio.
	AllowMassDelete bool
	// Full makes cursor syncs read a full snapshot (which also finds deletes).
	Full bool
	// Samples is how many example changes per action a result keeps; 0 means 3, negative means none.
	Samples int
}

// Progress receives counts as a run goes. Calls come from one goroutine per sync.
type Progress interface {
	// Read is called after each source batch with the records read so far.
	Read(sync string, n int)
	// Applied is called after each target batch with the changes done so far and the total planned.
	Applied(sync, target string, done, total int)
}

// Report is the outcome of Execute: one Result per sync and target.
type Report struct {
	Results []*Result `json:"results"`
}

// Result is one target's plan or run outcome. The JSON names are a contract: add keys, never rename.
type Result struct {
	Sync      string `json:"sync"`
	Tenant    string `json:"tenant,omitempty"` // the tenant of a sync instance (sync@tenant)
	Target    string `json:"target"`
	Create    int    `json:"create"`
	Update    int    `json:"update"`
	Delete    int    `json:"delete"` // removals of any kind, hard or soft
	Unchanged int    `json:"unchanged"`
	Failed    int    `json:"failed"`
	Skipped   int    `json:"skipped"` // mode update: records the target does not hold
	// Status is planned (plan), ok, failed (the target or the sync failed) or refused (a guard stopped it).
	Status   string    `json:"status"`
	Error    string    `json:"error,omitempty"`
	ReadMode string    `json:"read_mode"`
	Read     int       `json:"read"`
	RunID    int64     `json:"run_id,omitempty"`
	Duration float64   `json:"duration_seconds"`
	Samples  []Sample  `json:"samples,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
}

// Sample is an example change of a plan or run.
type Sample struct {
	Action string         `json:"action"`
	Key    any            `json:"key"`
	Record map[string]any `json:"record,omitempty"`
	// Changes lists the fields an update changes.
	Changes []FieldChange `json:"changes,omitempty"`
}

// FieldChange is one field of an update: its value in the target (as last written) and the new one.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Failure is a record that failed, with the reason.
type Failure struct {
	Key    any    `json:"key"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// Result statuses.
const (
	StatusPlanned = "planned"
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusRefused = "refused"
)

// OK reports whether every result succeeded with no failed record.
func (r *Report) OK() bool {
	for _, res := range r.Results {
		if res.Failed > 0 || res.Status == StatusFailed || res.Status == StatusRefused {
			return false
		}
	}
	return true
}

const maxFailuresShown = 20

// Execute plans (and with opts.Apply runs) the given syncs of spec, in order. A sync that fails does
// not stop the next; its failure is in its results. The error return is for failures that stop
// everything (the context was cancelled).
func (e *Engine) Execute(ctx context.Context, spec *config.Spec, syncs []*config.Sync, opts Options) (*Report, error) {
	if opts.Samples == 0 {
		opts.Samples = 3
	}
	rep := &Report{}
	for _, sy := range syncs {
		results := e.executeSync(ctx, spec, sy, opts)
		rep.Results = append(rep.Results, results...)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) redact(s string) string {
	if e.Redact != nil {
		return e.Redact(s)
	}
	return s
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// openConn opens a configured connection.
func (e *Engine) openConn(spec *config.Spec, name string) (connector.Conn, error) {
	c, ok := spec.Connections[name]
	if !ok {
		return nil, fmt.Errorf("connection %q is not defined", name)
	}
	conn, err := e.Registry.Open(c.Kind, c.Settings, connector.Env{
		BaseDir: spec.Dir, Name: name, Logger: e.logger().With("connection", name),
	})
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", name, err)
	}
	return conn, nil
}

// errRefused marks a target stopped by a guard (max_delete_ratio).
var errRefused = errors.New("refused")
