package conformance

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
)

// The suite's records have this schema; Prepare must create a stream that holds it:
//
//	id     int64   the key (never null)
//	name   string  unicode text, never null
//	score  float64 nullable
//	active bool    nullable
//	note   string  nullable; NULL and "" are different values
//	seq    int64   nullable; the cursor field of the CursorSource tests
//
// Connectors that cannot hold a type (CSV holds only text) map values back with Options.Normalize.

// Options tells the suite how to reach a connector under test.
type Options struct {
	// New returns a fresh connection over an empty, isolated store (a temporary directory, a new
	// database or schema). The suite closes it. Required.
	New func(t *testing.T) connector.Conn
	// Prepare creates stream with the schema above in the store behind conn, so that target tests can
	// write to it. Nil when the stream needs no preparation (files, memory) or WriteOptions create it.
	Prepare func(t *testing.T, conn connector.Conn, stream string)
	// Seed writes records into stream directly, bypassing the connector, for the source tests. Nil: the
	// source tests are skipped unless the connection is also a Target, in which case the suite writes
	// through it. The suite calls Prepare (when set) on stream before Seed.
	Seed func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record)
	// WriteOptions are passed as WriteRequest.Options to every writer the suite opens.
	WriteOptions connector.Settings
	// Normalize turns a record read back into the form it was written in (e.g. CSV parses text back to
	// numbers and booleans). Nil: records must come back exactly as written.
	Normalize func(connector.Record) connector.Record
	// NoNullDistinction says that the connector cannot tell NULL from "" (CSV); the suite then skips that
	// check instead of failing it.
	NoNullDistinction bool
	// Inspect returns every record of stream, read directly from the store behind conn, bypassing the
	// connector. The target tests use it to check what was written; nil: they read back through the
	// connection when it is a Source, and skip the checks that need a read back otherwise (write-only
	// targets such as an HTTP API should set it, over their test server).
	Inspect func(t *testing.T, conn connector.Conn, stream string) []connector.Record
	// LeakIgnore lists goroutines that a connector's libraries keep running on purpose after Close
	// (goleak.IgnoreTopFunction(...)). Each entry needs a comment saying why it is not a leak. Goroutines
	// that exist before a subtest starts are always ignored.
	LeakIgnore []goleak.Option
}
