package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
)

// dropResult says what a drop did.
type dropResult struct {
	Dropped  int               `json:"dropped"`
	NotFound []json.RawMessage `json:"not_found"`
}

var (
	errDropBusy    = errors.New("busy")
	errDropRequest = errors.New("bad request")
)

// drop stops retrying records of a sync's rejected list, through engine.DropRejected as `oneway
// rejected drop` does: a record a target refused is not sent again until it changes; a record whose map
// failed is forgotten (and comes back if the source still holds it unchanged). It holds the sync's slot
// and its run lock meanwhile, so no run (of this server or of the CLI) changes the list at the same time.
func (s *Server) drop(ctx context.Context, sy *config.Sync, req dropRequest) (*dropResult, error) {
	if req.Target != "" && !hasTarget(sy, req.Target) {
		return nil, fmt.Errorf("%w: sync %s has no target %q", errDropRequest, sy.Name, req.Target)
	}
	if !req.All && len(req.Keys) == 0 {
		return nil, fmt.Errorf("%w: name the keys to drop, or send \"all\": true", errDropRequest)
	}
	if req.All && len(req.Keys) > 0 {
		return nil, fmt.Errorf("%w: send keys or \"all\": true, not both", errDropRequest)
	}
	want := map[string]json.RawMessage{}
	for _, k := range req.Keys {
		var buf bytes.Buffer
		if err := json.Compact(&buf, k); err != nil {
			return nil, fmt.Errorf("%w: key %s is not JSON", errDropRequest, k)
		}
		want[buf.String()] = k
	}
	ctx, release, err := s.runner.hold(ctx, sy.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: sync %s: %v; drop rejected records when it has finished", errDropBusy, sy.Name, err)
	}
	defer release()
	unlock, err := s.store.Lock(sy.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDropBusy, err)
	}
	defer unlock()
	eng := s.base
	res := &dropResult{NotFound: []json.RawMessage{}}
	found := map[string]bool{}
	for _, t := range sy.Targets {
		if req.Target != "" && t.ID() != req.Target {
			continue
		}
		sc := ledger.Scope{Sync: sy.Name, Target: t.ID()}
		rej, err := s.store.Rejects(ctx, sc)
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, r := range rej {
			if _, ok := want[r.Key]; ok || req.All {
				keys = append(keys, r.Key)
				found[r.Key] = true
			}
		}
		if len(keys) == 0 {
			continue // DropRejected with no keys would drop them all
		}
		n, err := eng.DropRejected(ctx, sc, keys)
		if err != nil {
			return nil, err
		}
		res.Dropped += n
		if _, err := s.targetHealth(ctx, sc); err != nil {
			return nil, err
		}
	}
	for k, raw := range want {
		if !found[k] {
			res.NotFound = append(res.NotFound, raw)
		}
	}
	s.log.Info("dropped rejected records", "sync", sy.Name, "target", req.Target, "count", res.Dropped)
	return res, nil
}

func (s *Server) dropError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errDropBusy):
		s.writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, errDropRequest):
		s.writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.writeError(w, http.StatusInternalServerError, err.Error())
	}
}
