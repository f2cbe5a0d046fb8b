package sqlite

import (
	"testing"

	"go.uber.org/goleak"
)

// Every pool, reader and writer the tests open is closed: no goroutine may outlive them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
