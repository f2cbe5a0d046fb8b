package server

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: a server that stops leaves nothing running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
