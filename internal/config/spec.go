package config

import (
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/expr"
)

// Spec is a loaded, validated configuration: everything the engine needs, with expressions compiled,
// secrets resolved, defaults applied and paths made absolute.
type Spec struct {
	// Path is the absolute path of the configuration file; Dir its directory.
	Path string
	Dir  string
	// State is the absolute path of the SQLite state file (default: .oneway/state.db beside the config).
	State string
	// Connections by name.
	Connections map[string]*Connection
	// Syncs in the order of the file.
	Syncs []*Sync

	secrets []string // resolved secret values, for Redact
}

// Pos is a place in the configuration file.
type Pos struct {
	File   string
	Line   int
	Column int
}

// Connection is one entry of `connections:`.
type Connection struct {
	Name string
	Kind string
	// Settings are the entry's keys except kind, with ${env:..}/${file:..} resolved.
	Settings connector.Settings
	Pos      Pos
}

// Detect modes of a source.
const (
	DetectSnapshot = "snapshot"
	DetectCursor   = "cursor"
)

// Source is a sync's `source:`.
type Source struct {
	Connection     string
	Stream         string
	Key            []string
	Detect         string // DetectSnapshot or DetectCursor
	Cursor         []string
	Lookback       time.Duration
	ReconcileEvery time.Duration // 0: never
	BatchSize      int           // records per read batch; default 1000
}

// Target modes.
const (
	ModeMirror = "mirror"
	ModeUpsert = "upsert"
	ModeUpdate = "update"
	ModeCreate = "create"
	ModeAppend = "append"
)

// Delivery guarantees for targets that cannot upsert.
const (
	DeliveryAtLeastOnce = "at-least-once"
	DeliveryAtMostOnce  = "at-most-once"
)

// on_delete values (mirror only).
const (
	OnDeleteDelete = "delete"
	OnDeleteSoft   = "soft"
	OnDeleteIgnore = "ignore"
)

// Target is one entry of a sync's `targets:`.
type Target struct {
	Connection string
	Stream     string
	Key        []string
	Mode       string // default ModeMirror
	OnDelete   string // default OnDeleteDelete for mirror; "" for other modes
	// SoftDelete holds the fields set by on_delete: soft (constants).
	SoftDelete connector.Record
	// MaxDeleteRatio refuses a run whose removals exceed this share of the target's live records.
	// Default 0.5; 1 allows everything.
	MaxDeleteRatio float64
	// BatchSize is how many changes go to the target per Apply; default 500.
	BatchSize int
	// Match lists target fields by which a create first looks for an existing record to adopt instead of
	// creating a duplicate (connector.WriteRequest.Match); nil: no look-up.
	Match []string
	// Delivery is DeliveryAtLeastOnce (default) or DeliveryAtMostOnce; it matters for targets that
	// cannot upsert (messages, append-only APIs), where a crash between send and acknowledgement
	// leaves the outcome unknown.
	Delivery string
	// RateLimit caps changes sent to the target per second; 0: no cap.
	RateLimit float64
	// WriteTimeout bounds one batch's write; a batch that takes longer is abandoned as a transient
	// failure and retried (a silently dropped connection would otherwise hang until the kernel's TCP
	// timeout). Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Options are passed to the connector's OpenWriter: create_table and the keys under `options:`.
	Options connector.Settings
	Pos     Pos
}

// ID names the target in output and in the ledger: "connection/stream".
func (t *Target) ID() string { return t.Connection + "/" + t.Stream }

// Sync is one entry of `syncs:`, or one tenant's instance of a sync with `tenants:`.
type Sync struct {
	// Name is the sync's name; a tenant's instance is named TEMPLATE@TENANT.
	Name string
	// Template is the name as written for a tenant's instance ("" otherwise); Tenant the tenant's name;
	// TenantFields its fields (secrets resolved), bound as `tenant` in expressions.
	Template     string
	Tenant       string
	TenantFields map[string]any
	Source       Source
	Filter       *expr.Filter  // nil: every record passes
	Map          *expr.Mapping // nil: records are copied as they are
	Targets      []*Target
	Pos          Pos
}
