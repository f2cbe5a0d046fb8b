package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
)

// channelHarness syncs people into "channel", a target that cannot upsert (a chat channel), with the
// given delivery.
func channelHarness(t *testing.T, delivery string) *harness {
	tg := target("channel")
	tg.Mode, tg.OnDelete, tg.MaxDeleteRatio = config.ModeAppend, "", 0
	tg.Delivery = delivery
	tg.Options = connector.Settings{"create_table": true, "non_idempotent": true}
	return newHarness(t, tg)
}

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
			h := channelHarness(t, tc.delivery)
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

// A record whose send times out (a transient error without "retry after") may have been delivered: at
// most once, it is neither retried in the run nor sent again from the rejected list by the next one; at
// least once, it is retried.
func TestDeliveryAfterARecordTimesOut(t *testing.T) {
	for _, tc := range []struct {
		delivery  string
		wantSends int
	}{
		{config.DeliveryAtLeastOnce, 2},
		{config.DeliveryAtMostOnce, 1},
	} {
		t.Run(tc.delivery, func(t *testing.T) {
			h := channelHarness(t, tc.delivery)
			h.put(person(1, "a", ""), person(2, "b", ""))
			sends := 0
			h.mem.FailApply("channel", func(c connector.Change) error {
				if c.Key[0] != int64(1) {
					return nil
				}
				if sends++; sends == 1 {
					return connector.Transient(errors.New("timeout awaiting response"))
				}
				return nil
			})
			h.run()
			h.run()
			if sends != tc.wantSends {
				t.Fatalf("record 1 was sent %d times, want %d", sends, tc.wantSends)
			}
		})
	}
}

// A batch the target acknowledged is recorded in the ledger even when the run is interrupted (SIGINT)
// meanwhile: otherwise the next run sends it again, a duplicate on a target that cannot upsert.
func TestInterruptAfterAnAcknowledgedBatchKeepsIt(t *testing.T) {
	h := channelHarness(t, config.DeliveryAtLeastOnce) // batches of 2
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""), person(4, "d", ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.mem.FailApply("channel", func(c connector.Change) error {
		if c.Key[0] == int64(2) {
			cancel() // the interrupt arrives while the first batch is being written
		}
		return nil
	})
	_, _ = h.executeCtx(ctx, engine.Options{Apply: true}) // interrupted: its error is the cancellation
	h.mem.FailApply("channel", nil)
	sent := len(h.mem.Records("channel"))
	if sent == 0 {
		t.Fatal("the first batch was not written")
	}
	r := h.run()
	if r.Create+sent != 4 || len(h.mem.Records("channel")) != 4 {
		t.Fatalf("%d messages written before the interrupt, %d created after it, %d in all: want each record once",
			sent, r.Create, len(h.mem.Records("channel")))
	}
}

// A change the writer says it never sent (an earlier message of the batch failed) is sent again by
// the next run even at most once: nothing of it arrived.
func TestAtMostOnceSendsAgainWhatWasNeverSent(t *testing.T) {
	h := channelHarness(t, config.DeliveryAtMostOnce)
	h.put(person(1, "a", ""), person(2, "b", ""))
	failed := false
	h.mem.FailApply("channel", func(c connector.Change) error {
		if c.Key[0] == int64(2) && !failed {
			failed = true
			return connector.NotSent(connector.Transient(errors.New("not sent, as an earlier message of the batch failed")))
		}
		return nil
	})
	h.run()
	h.run()
	if n := len(h.mem.Records("channel")); n != 2 {
		t.Fatalf("%d messages, want 2: the one never sent is lost", n)
	}
}
