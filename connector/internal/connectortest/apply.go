package connectortest

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// Apply applies changes as one batch and returns their results. A batch error, or a number of results
// other than one per change, fails t; record errors are the caller's to check.
func Apply(t testing.TB, w connector.Writer, changes ...connector.Change) []connector.Result {
	t.Helper()
	res, err := w.Apply(t.Context(), changes)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(res) != len(changes) {
		t.Fatalf("Apply returned %d results for %d changes", len(res), len(changes))
	}
	return res
}
