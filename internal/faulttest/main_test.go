package faulttest

import (
	"os"
	"testing"

	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	// Some toxics (bandwidth) log through zerolog's global logger, at trace level, to stderr; the tests
	// report what matters themselves.
	zerolog.SetGlobalLevel(zerolog.Disabled)
	os.Exit(m.Run())
}
