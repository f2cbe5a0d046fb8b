package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Conn is an open connection of some kind. It implements Source, Target or both, and may implement the
// optional interfaces below. Close releases everything the connection holds; it is called once.
type Conn interface {
	Close() error
}

// ReadRequest asks a Source for the records of one stream.
type ReadRequest struct {
	// Stream names what to read: a table, a file or folder, a resource.
	Stream string
	// Key lists the fields that identify a record. Sources may use it to order or to check records.
	Key []string
	// BatchSize is how many records Reader.Next should return at most; 0 means the connector's default.
	BatchSize int
}

// Source reads records. A Source never writes to the system it reads: database sources read inside a
// read-only transaction and the interface has no write method.
type Source interface {
	// Read opens a snapshot read of every record of the stream, in any order. A stream that does not
	// exist is an error (not an empty read): the engine must never mistake a missing table for a source
	// whose records were all deleted.
	Read(ctx context.Context, req ReadRequest) (Reader, error)
}

// CursorRequest asks a CursorSource for the records at or after a position.
type CursorRequest struct {
	ReadRequest
	// Cursor lists the fields whose values only grow when a record changes (updated_at, a sequence).
	Cursor []string
	// From is the position to start at, inclusive: the values of Cursor then Key, in that order. It may
	// be shorter (a prefix, e.g. the first cursor value alone when the engine re-reads a lookback window):
	// then only that prefix of the tuple is compared. Nil reads from the start.
	From []any
}

// CursorSource is a Source that can read incrementally.
type CursorSource interface {
	// ReadCursor returns the records whose (Cursor..., Key...) tuple is >= From, in ascending order of
	// that tuple, so that records with equal cursor values are never skipped across batch boundaries.
	// Records with a NULL in any cursor field are returned too, every time, before the others.
	ReadCursor(ctx context.Context, req CursorRequest) (Reader, error)
}

// Reader is an open read. It is used by one goroutine.
type Reader interface {
	// Next returns the next batch of records. At the end of the stream it returns (nil, io.EOF). Any
	// other error means the read is incomplete, and the engine removes nothing because of it. The batch
	// and its records belong to the caller: the engine reads the next batch while it still uses this
	// one, so a Reader never reuses them.
	Next(ctx context.Context) ([]Record, error)
	// Close ends the read (and its transaction). It is safe to call after an error.
	Close() error
}

// EOF is returned by Reader.Next at the end of a stream.
var EOF = io.EOF

// WriteRequest opens a Writer on one target stream.
type WriteRequest struct {
	// Stream names the table, file or resource to write.
	Stream string
	// Key lists the target fields that identify a record; Change.Key holds their values.
	Key []string
	// Fields lists the fields the engine will write, sorted, when the sync has a map (nil otherwise).
	// Targets that create their storage (create_table) use it.
	Fields []string
	// Append asks for every Create to be added as a new record, never matched by key (mode: append).
	Append bool
	// Match lists fields by which a Create first looks for an existing record in the target and adopts
	// it (updating it and returning its id) instead of creating a duplicate: how a target whose ledger
	// was lost, or that already holds the records, is joined without duplicates. Connectors that cannot
	// look records up return an error wrapping ErrUnsupported from OpenWriter when Match is set.
	Match []string
	// Options holds the target's connector-specific settings from the sync (e.g. create_table). Keys the
	// connector does not know must be rejected by OpenWriter with a clear error.
	Options Settings
}

// MatchOnlyByKey is the Match check of a writer whose creates adopt existing records by key only (an
// upsert): Match may be empty or name the key fields (in any order, case-insensitively); anything
// else is an error wrapping ErrUnsupported, as a silently ignored match would create duplicates.
func (r WriteRequest) MatchOnlyByKey() error {
	if len(r.Match) == 0 {
		return nil
	}
	lower := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = strings.ToLower(n)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(lower(r.Match), lower(r.Key)) {
		return fmt.Errorf("match on %v: only the key (%v) can match existing records here: %w", r.Match, r.Key, ErrUnsupported)
	}
	return nil
}

// Action is what a Change does to a target record.
type Action int

const (
	// Unchanged: the record is already as it should be; it is never sent to a target.
	Unchanged Action = iota
	// Create a record that the target does not hold yet (or upsert it by key).
	Create
	// Update the mapped fields of an existing record; fields the sync does not map stay as they are.
	// A record the target does not hold gives a Result.Err wrapping ErrNotFound, never a new record.
	Update
	// Delete the record.
	Delete
	// SoftDelete sets the fields of Change.Record (the sync's soft_delete values) on the record.
	SoftDelete
)

var actionNames = [...]string{"unchanged", "create", "update", "delete", "soft-delete"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Change is one write for a target.
type Change struct {
	Action Action
	// Key holds the values of WriteRequest.Key for this record.
	Key []any
	// ID is the target's own id of the record when the target assigned one on create (from the ledger);
	// empty otherwise.
	ID string
	// Record is the full mapped record for Create and Update, the soft_delete fields for SoftDelete, and
	// nil for Delete.
	Record Record
}

// Result is a target's answer for one Change.
type Result struct {
	// ID is the target's id for the record, if it has its own (kept in the ledger for later updates).
	ID string
	// Err is nil when the change was applied and is durable (or will be, after Commit for a Committer).
	// A non-nil Err rejects this record only; the engine keeps it with Err as the reason and retries it on
	// a later run. Wrap transient causes with Transient.
	Err error
}

// Target writes records.
type Target interface {
	// OpenWriter prepares writes to one stream. A missing stream is an error unless the connector was
	// asked to create it.
	OpenWriter(ctx context.Context, req WriteRequest) (Writer, error)
}

// Writer applies changes to one target stream.
type Writer interface {
	// Apply applies a batch and returns one Result per Change, in order. Applying the same batch twice
	// leaves the target as applying it once (creates upsert by key, deletes of absent records succeed).
	// A non-nil error means the whole batch failed and nothing of it may be taken as applied.
	Apply(ctx context.Context, batch []Change) ([]Result, error)
	// Close releases the writer; it does not commit.
	Close() error
}

// Committer is a Writer that makes applied changes durable only at the end (a file rewritten through a
// temporary file and a rename). The engine moves the ledger for such a target only after Commit returned
// nil; if Commit fails or is never called, the target is as before the run.
type Committer interface {
	Commit(ctx context.Context) error
}

// ErrUnsupported is returned (wrapped) when a connection lacks what was asked of it.
var ErrUnsupported = errors.New("not supported by this connector")

// transient marks an error as worth retrying.
type transient struct{ err error }

func (t transient) Error() string   { return t.err.Error() }
func (t transient) Unwrap() error   { return t.err }
func (t transient) Retryable() bool { return true }

// Transient wraps err to say that the same operation may succeed if tried again later (a timeout, a
// dropped connection, HTTP 429 or 503, a deadlock).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transient{err}
}

// retryAfter is a transient error that says when to try again (HTTP 429 or 503 with Retry-After).
type retryAfter struct {
	transient
	after time.Duration
}

func (r retryAfter) RetryAfter() time.Duration { return r.after }

// TransientAfter is Transient with the wait the remote side asked for.
func TransientAfter(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfter{transient{err}, after}
}

// RetryAfterOf returns the wait an error asks for before a retry, if it says one.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter(), true
	}
	return 0, false
}

// notSent marks the error of a change a Writer never sent.
type notSent struct{ err error }

func (n notSent) Error() string { return n.err.Error() }
func (n notSent) Unwrap() error { return n.err }
func (notSent) NotSent() bool   { return true }

// NotSent wraps the error of a change that the Writer did not send at all (an earlier change of the
// batch failed, the API asked to wait, the context ended), keeping err's kind (transient or not). Its
// outcome is known: nothing arrived. A NonIdempotent Writer must say so, or delivery: at-most-once
// takes a transient error for a send that may have arrived and never sends the change again.
func NotSent(err error) error {
	if err == nil {
		return nil
	}
	return notSent{err}
}

// IsNotSent reports whether err says its change was never sent (NotSent).
func IsNotSent(err error) bool {
	var n interface{ NotSent() bool }
	return errors.As(err, &n) && n.NotSent()
}

// NonIdempotent is implemented by Writers for which a Create sent twice makes two records (a chat
// message, an append-only API without an idempotency key). For them the engine records the intent in
// the ledger before sending, so that a crash leaves a known state: resent on the next run
// (delivery: at-least-once) or never resent (delivery: at-most-once).
type NonIdempotent interface {
	NonIdempotent() bool
}

// IsRetryable reports whether err, or an error it wraps, has a Retryable() bool method that returns true.
func IsRetryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}

// ErrNotFound is returned (wrapped, in Result.Err) by a Writer for an Update or SoftDelete of a record
// that the target does not hold. An Update must never create a record: the engine decides what to do
// (mode update skips it; mirror and upsert create it again).
var ErrNotFound = errors.New("record not found in target")
