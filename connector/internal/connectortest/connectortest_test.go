package connectortest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/connector/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// What Apply wrote, Read returns in key order, batch by batch; a cursor read starts at From.
func TestApplyThenRead(t *testing.T) {
	st := memory.NewStore()
	st.CreateStream("s")
	newConn := func(connector.Settings, connector.Env) (connector.Conn, error) { return memory.Open(st), nil }
	conn := connectortest.Open(t, newConn, nil)
	w := connectortest.OpenWriter(t, conn.(connector.Target), connector.WriteRequest{Stream: "s", Key: []string{"id"}})
	var changes []connector.Change
	for i := range int64(5) {
		changes = append(changes, connector.Change{Action: connector.Create, Key: []any{i}, Record: connector.Record{"id": i, "seq": i}})
	}
	for i, r := range connectortest.Apply(t, w, changes...) {
		if r.Err != nil {
			t.Fatalf("change %d: %v", i, r.Err)
		}
	}
	got := connectortest.Read(t, conn.(connector.Source), connector.ReadRequest{Stream: "s", Key: []string{"id"}, BatchSize: 2})
	if len(got) != 5 {
		t.Fatalf("read %d records, want 5", len(got))
	}
	from := connectortest.ReadCursor(t, conn.(connector.CursorSource), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "s", Key: []string{"id"}, BatchSize: 2},
		Cursor:      []string{"seq"}, From: []any{int64(3)},
	})
	if len(from) != 2 || from[0]["id"] != int64(3) {
		t.Fatalf("cursor read from 3: %v, want ids 3 and 4", from)
	}
}
