package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
)

var errVerifyBusy = errors.New("busy")

// verify reads a sync's targets back and compares them with the source, through engine.Verify as
// `oneway verify` does; with repair it fixes what differs (a recorded run). It holds the sync's slot,
// so it never runs beside a run of the same sync (whose half-written state it would report as wrong).
func (s *Server) verify(ctx context.Context, sy *config.Sync, repair bool) (*engine.VerifyReport, error) {
	ctx, release, err := s.runner.hold(ctx, sy.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: sync %s: %v; verify it when it has finished", errVerifyBusy, sy.Name, err)
	}
	defer release()
	eng := s.base
	eng.Progress = nil
	rep, err := eng.Verify(ctx, s.spec.Spec, []*config.Sync{sy}, repair)
	if repair {
		// A repair writes targets and the ledger like a run: the rejected counts may have moved.
		for _, t := range sy.Targets {
			if _, herr := s.targetHealth(context.WithoutCancel(ctx), scopeOf(sy, t)); herr != nil && err == nil {
				err = herr
			}
		}
	}
	return rep, err
}

// verifyResponse is the answer of the verify endpoint: the engine's report (as `oneway verify --json`)
// and whether every target is clean or repaired.
type verifyResponse struct {
	OK      bool                   `json:"ok"`
	Results []*engine.VerifyResult `json:"results"`
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request) {
	sy := s.syncOr404(w, r)
	if sy == nil {
		return
	}
	rep, err := s.verify(r.Context(), sy, boolParam(r, "repair"))
	switch {
	case errors.Is(err, errVerifyBusy):
		s.writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		s.writeError(w, http.StatusServiceUnavailable, "verify stopped: "+err.Error())
	default:
		s.writeJSON(w, http.StatusOK, verifyResponse{OK: rep.OK(), Results: rep.Results})
	}
}

// formVerify is the dashboard's Verify button: it shows the report on a page of its own.
func (s *Server) formVerify(w http.ResponseWriter, r *http.Request) {
	sy := s.findSync(r.PathValue("sync"))
	if sy == nil {
		http.NotFound(w, r)
		return
	}
	repair := r.PostFormValue("repair") == "on"
	rep, err := s.verify(r.Context(), sy, repair)
	data := pageData{Title: "Verify " + sy.Name, Verify: rep, Repair: repair}
	if err != nil {
		data.PlanErr = err.Error()
	}
	if data.Sync, err = s.view(r.Context(), sy); err != nil {
		http.Error(w, s.spec.Redact(err.Error()), http.StatusInternalServerError)
		return
	}
	s.render(w, r, "verify.html", http.StatusOK, data)
}
