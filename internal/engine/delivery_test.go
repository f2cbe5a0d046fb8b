package engine_test

import (
	"errors"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
)

// A chat channel cannot upsert: a message sent twice is two messages. The engine records an intent before
// each send; after an acknowledgement is lost, at-least-once sends again and at-most-once never does.
func TestDeliveryAfterLostAcknowledgement(t *testing.T) {
	for _, tc := range []struct {
		delivery     string
		wantMessages int
	}{
		{config.DeliveryAtLeastOnce, 4}, // 2 records, both sent twice: the duplicates at-least-once allows
		{config.DeliveryAtMostOnce, 2},
	} {
		t.Run(tc.delivery, func(t *testing.T) {
			tg := target("channel")
			tg.Mode, tg.OnDelete, tg.MaxDeleteRatio = config.ModeAppend, "", 0
			tg.Delivery = tc.delivery
			tg.Options = connector.Settings{"create_table": true, "non_idempotent": true}
			h := newHarness(t, tg)
			h.put(person(1, "a", ""), person(2, "b", ""))
			h.mem.LoseAcks("channel", errors.New("connection lost after send"))
			if r := h.run(); r.Status != "failed" {
				t.Fatalf("status %s", r.Status)
			}
			if n := len(h.mem.Records("channel")); n != 2 {
				t.Fatalf("%d messages after the first send, want 2", n)
			}
			h.mem.LoseAcks("channel", nil)
			h.run()
			wantCounts(t, h.run(), counts{unchanged: 2})
			if n := len(h.mem.Records("channel")); n != tc.wantMessages {
				t.Fatalf("%d messages, want %d", n, tc.wantMessages)
			}
		})
	}
}
