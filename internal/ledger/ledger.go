package ledger

import (
	"context"
	"time"
)

// Status is the state of a ledger entry.
type Status int

const (
	// Live: the record is in the target as Doc says.
	Live Status = 1
	// Deleted: oneway deleted the record from the target; if the key comes back it is created again.
	Deleted Status = 2
	// SoftDeleted: oneway soft-deleted the record; if the key comes back it is updated to its values.
	SoftDeleted Status = 3
	// Pending: a write was about to be sent to a target that cannot upsert; its outcome is unknown.
	Pending Status = 4
	// Dropped: a person dropped this version of a rejected record (`oneway rejected drop`); it is not
	// sent again until it changes.
	Dropped Status = 5
)

// Scope names a (sync, target) pair.
type Scope struct {
	Sync   string
	Target string
}

// Entry is what the ledger knows of one source key in one scope.
type Entry struct {
	Key       string // canonical source key
	TargetKey string // canonical target key
	TargetID  string // the target's own id, when it assigns one
	Hash      string // hash of the mapped record last written
	Doc       []byte // the mapped record last written, canonical JSON
	Status    Status
	FirstSeen time.Time
	LastSeen  time.Time
}

// Rejected is a record a target (or the mapping) refused, kept to be retried.
type Rejected struct {
	Key         string
	TargetKey   string
	Action      string
	Reason      string
	Payload     []byte
	Attempts    int
	FirstFailed time.Time
	LastFailed  time.Time
}

// Counts are a run's counters.
type Counts struct {
	Create, Update, Delete, Unchanged, Failed int
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Create += o.Create
	c.Update += o.Update
	c.Delete += o.Delete
	c.Unchanged += o.Unchanged
	c.Failed += o.Failed
}

// Run is one run of one scope.
type Run struct {
	ID       int64
	Scope    Scope
	Started  time.Time
	Finished time.Time // zero while running
	Status   string
	ReadMode string
	Counts   Counts
	Error    string
}

// Run statuses.
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunFailed      = "failed"
	RunRefused     = "refused"
	RunInterrupted = "interrupted"
)

// Commit is what moves together in one state transaction after a target acknowledged a batch.
type Commit struct {
	Scope Scope
	RunID int64
	// Entries to store (acknowledged creates and updates as Live, removals as Deleted or SoftDeleted).
	Entries []Entry
	// Forget removes entries outright (a record that update mode found absent from the target).
	Forget []string
	// Reject adds or refreshes rejected records (attempts counted up).
	Reject []Rejected
	// Resolve removes rejected records by key (written at last, or gone from the source).
	Resolve []string
	// Inflight, when non-empty, records a batch of creates about to be sent, under InflightID.
	Inflight   []Entry
	InflightID int64
	// Landed removes inflight batches by id (their writes were acknowledged or rejected).
	Landed []int64
	// Intend records intents (source key -> hash) before a write to a NonIdempotent target.
	Intend map[string]string
	// Clear removes intents by key (the write was acknowledged or rejected).
	Clear []string
	// Cursor, when non-nil, becomes the scope's stored position.
	Cursor []byte
	// Reconciled, when non-zero, records a complete snapshot read.
	Reconciled time.Time
	// Counts are added to the run's counters.
	Counts Counts
}

// Store is the state. Its methods are safe for concurrent use.
type Store interface {
	// Session opens a private working area for one sync run; see Session.
	Session(ctx context.Context) (Session, error)
	// Position returns a scope's stored cursor (nil if none) and its last reconcile time.
	Position(ctx context.Context, s Scope) (cursor []byte, reconciled time.Time, err error)
	// StartRun records a run as running and returns its id. It fails on a read-only store.
	StartRun(ctx context.Context, s Scope, readMode string, started time.Time) (int64, error)
	// Commit applies c in one transaction.
	Commit(ctx context.Context, c Commit) error
	// FinishRun sets a run's final status and error text.
	FinishRun(ctx context.Context, runID int64, status, errText string, finished time.Time) error
	// Runs returns the runs of a scope (all scopes when s is zero), newest first, at most limit.
	Runs(ctx context.Context, s Scope, limit int) ([]Run, error)
	// Rejects returns the rejected records of a scope, oldest first.
	Rejects(ctx context.Context, s Scope) ([]Rejected, error)
	// Inflight returns the entries (Key, TargetKey, TargetID) of the scope's batches of creates that
	// were sent but never acknowledged.
	Inflight(ctx context.Context, s Scope) (ids []int64, entries []Entry, err error)
	// Intents returns the scope's intents: writes to a NonIdempotent target whose outcome is unknown.
	Intents(ctx context.Context, s Scope) (map[string]string, error)
	// CountLive returns how many entries of the scope are Live or Pending.
	CountLive(ctx context.Context, s Scope) (int, error)
	// Lock takes the exclusive run lock of a sync, or fails naming the holder.
	Lock(sync string) (unlock func(), err error)
	Close() error
}

// Session is a sync run's working area: the set of source keys seen in the current read. It lives in
// scratch storage outside the state file, so a plan writes nothing to the state. One goroutine uses it.
// It serves the planning of one run, under the sync's lock: it may assume that the scope's entries do
// not change while it is open (they change when the run applies, after planning).
type Session interface {
	// Preload loads the scope's Live entries for Unchanged, when the scope is small enough; it reports
	// whether it did.
	Preload(ctx context.Context, s Scope) (bool, error)
	// Held returns how many entries of the scope were Live or Pending when Preload ran, whether or not it
	// loaded them (ok false when Preload did not run for the scope). A read that saw that many of them
	// present has no removals: Unseen need not scan.
	Held(s Scope) (n int, ok bool)
	// Unchanged reports whether a preloaded scope holds key as Live with exactly hash (false when the
	// scope was not preloaded: ask Lookup). Unlike the other methods it may be called from several
	// goroutines at once, between Preloads.
	Unchanged(s Scope, key, hash string) bool
	// Lookup returns the entries of the given keys that exist in the scope, without their Doc.
	Lookup(ctx context.Context, s Scope, keys []string) (map[string]Entry, error)
	// Doc returns the doc last written for one key (nil when there is none).
	Doc(ctx context.Context, s Scope, key string) ([]byte, error)
	// See adds keys to the seen set. present[i] says whether keys[i] counts as present in the source
	// (false: read but filtered out, which counts as absent for removals).
	See(ctx context.Context, keys []string, present []bool) error
	// Seal ends the read and returns keys that were seen more than once (at most ten). Unseen and
	// Present need it first.
	Seal(ctx context.Context) (dups []string, err error)
	// Unseen calls fn for every Live or Pending entry of the scope whose key was not seen as present.
	Unseen(ctx context.Context, s Scope, fn func(Entry) error) error
	// Present reports which of keys were seen as present.
	Present(ctx context.Context, keys []string) (map[string]bool, error)
	Close() error
}
