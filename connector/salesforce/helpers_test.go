package salesforce

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	sf "github.com/onewaysync/oneway/internal/sandbox/salesforce"
	"github.com/onewaysync/oneway/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const accessToken = "00Dxx0000001gPL!AQ4AQFw.sandbox"

var leadFields = []any{"Id", "FirstName", "LastName", "Title", "Company", "LeadSource", "Email", "CreatedDate"}

// start runs the sandbox Salesforce org for the test on a clock that the connector's waits advance
// instead of sleeping.
func start(t *testing.T, opts sf.Options) (*sf.Server, *sandboxtest.Clock) {
	t.Helper()
	clk := sandboxtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	opts.AccessToken = accessToken
	opts.Now = clk.Now
	return sandboxtest.Start(t, sf.New, opts), clk
}

// open connects to srv with the Lead stream configured by lead (fields and the like) and token.
func open(t *testing.T, srv *sf.Server, clk *sandboxtest.Clock, token string, lead map[string]any) *Conn {
	t.Helper()
	if lead == nil {
		lead = map[string]any{"fields": leadFields}
	}
	conn := connectortest.Open(t, New, connector.Settings{
		"instance_url": srv.URL(), "token": token, "api_version": "v" + srv.APIVersion(),
		"streams": map[string]any{"Lead": lead},
	}).(*Conn)
	conn.API().Sleep, conn.API().Now = clk.Sleep, clk.Now
	return conn
}

func cursorRead(t *testing.T, c *Conn, from []any) []connector.Record {
	t.Helper()
	return connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "Lead", Key: []string{"Id"}, BatchSize: 4},
		Cursor:      []string{"SystemModstamp"}, From: from,
	})
}
