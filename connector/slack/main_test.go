package slack_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its connections and servers: nothing may keep running after the package's tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
