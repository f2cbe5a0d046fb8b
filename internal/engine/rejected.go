package engine

import (
	"context"
	"fmt"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/ledger"
)

// DropRejected stops retrying rejected records of a scope: all of them when keys is empty. The refused
// version of a record is remembered by its hash, so it is not sent again until it changes: a refused
// update of a record the target holds keeps its entry Live, with that hash and the document the target
// still has, so that the record is still removed when the source deletes it; any other refused change
// leaves the entry Dropped (the target does not hold that version). A record whose map failed is only
// forgotten (it fails again, and comes back, if the source still holds it unchanged). It returns how
// many were dropped.
func (e *Engine) DropRejected(ctx context.Context, sc ledger.Scope, keys []string) (int, error) {
	rejects, err := e.Store.Rejects(ctx, sc)
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	var picked []ledger.Rejected
	var refused []string // keys of the picked records a target refused (not map failures)
	for _, r := range rejects {
		if len(keys) > 0 && !want[r.Key] {
			continue
		}
		delete(want, r.Key)
		picked = append(picked, r)
		if r.Action != "map" {
			refused = append(refused, r.Key)
		}
	}
	for k := range want {
		return 0, fmt.Errorf("no rejected record with key %s in %s/%s", k, sc.Sync, sc.Target)
	}
	if len(picked) == 0 {
		return 0, nil
	}
	sess, err := e.Store.Session(ctx)
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	held, err := sess.Lookup(ctx, sc, refused)
	if err != nil {
		return 0, err
	}
	c := ledger.Commit{Scope: sc}
	for _, r := range picked {
		c.Resolve = append(c.Resolve, r.Key)
		if r.Action == "map" {
			continue
		}
		rec, err := connector.UnmarshalTypedRecord(r.Payload)
		if err != nil {
			return 0, fmt.Errorf("rejected record %s: %w", r.Key, err)
		}
		doc, err := connector.CanonicalJSON(map[string]any(rec))
		if err != nil {
			return 0, fmt.Errorf("rejected record %s: %w", r.Key, err)
		}
		if en, ok := held[r.Key]; ok && en.Status == ledger.Live && r.Action == connector.Update.String() {
			if en.Doc, err = sess.Doc(ctx, sc, r.Key); err != nil {
				return 0, err
			}
			en.Hash = hashDoc(doc)
			c.Entries = append(c.Entries, en)
			continue
		}
		c.Entries = append(c.Entries, ledger.Entry{Key: r.Key, TargetKey: r.TargetKey, Hash: hashDoc(doc), Doc: doc, Status: ledger.Dropped})
	}
	if err := e.Store.Commit(ctx, c); err != nil {
		return 0, err
	}
	return len(c.Resolve), nil
}
