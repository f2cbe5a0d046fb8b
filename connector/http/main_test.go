package http

import (
	"testing"

	"go.uber.org/goleak"
)

// Every server, connection and reader the tests open is closed: no goroutine may outlive them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
