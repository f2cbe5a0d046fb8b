package bamboohr

import (
	"maps"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	bhr "github.com/onewaysync/oneway/internal/sandbox/bamboohr"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const apiKey = "bhr-key-31c9a7e2"

// start runs the sandbox BambooHR API for the test on a clock that the connector's waits advance
// instead of sleeping.
func start(t *testing.T, opts bhr.Options) (*bhr.Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if opts.APIKey == "" {
		opts.APIKey = apiKey
	}
	opts.Now = clk.Now
	return sandboxtest.Start(t, bhr.New, opts), clk
}

// open connects to srv with settings over the defaults (the test key, srv's URL), its waits going
// through clk.
func open(t *testing.T, srv *bhr.Server, clk *sandboxtest.Clock, settings connector.Settings) *Conn {
	t.Helper()
	s := connector.Settings{"api_key": apiKey, "url": srv.BaseURL()}
	maps.Copy(s, settings)
	conn := connectortest.Open(t, New, s).(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	return conn
}

func mustAdd(t *testing.T, srv *bhr.Server, fields map[string]string) int {
	t.Helper()
	id, err := srv.AddEmployee(fields)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
