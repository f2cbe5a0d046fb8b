package greenhouse

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	gh "github.com/onewaysync/oneway/internal/sandbox/greenhouse"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "harvest-key-8d1f0c"

// start runs the sandbox Harvest API (rate limit off unless opts sets one) with a user 7 to write on
// behalf of, on a clock that the connector's waits advance instead of sleeping, so rate-limit windows
// pass without the test waiting.
func start(t *testing.T, opts gh.Options) (*gh.Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if opts.Token == "" {
		opts.Token = token
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	opts.Now = clk.Now
	srv := sandboxtest.Start(t, gh.New, opts)
	srv.AddUser(gh.User{ID: 7, FirstName: "Rita", LastName: "Recruiter", Email: "rita@example.com"})
	return srv, clk
}

// open connects to srv with the given token, its waits going through clk.
func open(t *testing.T, srv *gh.Server, clk *sandboxtest.Clock, tok string) *Conn {
	t.Helper()
	s := connector.Settings{"token": tok, "url": srv.URL() + "/v1", "on_behalf_of": int64(7)}
	conn := connectortest.Open(t, New, s).(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	return conn
}
