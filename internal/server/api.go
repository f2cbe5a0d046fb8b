package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
)

// writeJSON writes v as JSON. The encoded body goes through Spec.Redact as a whole, like the CLI's
// output, so that no secret value can leave in a response whatever field carried it.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(s.spec.Redact(buf.String())))
}

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
}

func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	s.writeJSON(w, status, apiError{Error: s.spec.Redact(msg)})
}

// syncOr404 returns the sync named in the path, or answers 404.
func (s *Server) syncOr404(w http.ResponseWriter, r *http.Request) *config.Sync {
	name := r.PathValue("sync")
	sy := s.findSync(name)
	if sy == nil {
		s.writeError(w, http.StatusNotFound, "no sync named "+strconv.Quote(name)+" in the configuration")
	}
	return sy
}

func (s *Server) apiSyncs(w http.ResponseWriter, r *http.Request) {
	views, err := s.views(r.Context(), r.URL.Query().Get("tenant"))
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"syncs": views})
}

func (s *Server) apiSync(w http.ResponseWriter, r *http.Request) {
	sy := s.syncOr404(w, r)
	if sy == nil {
		return
	}
	v, err := s.view(r.Context(), sy)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.writeJSON(w, http.StatusOK, v)
}

// runResponse is the answer to a run request.
type runResponse struct {
	Sync     string     `json:"sync"`
	Trigger  string     `json:"trigger"`
	Status   string     `json:"status"` // started, or with wait: finished, stopped
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	// OK, Results and Error are set with wait=true: the engine's report, as `oneway run --json`.
	OK      *bool            `json:"ok,omitempty"`
	Results []*engine.Result `json:"results,omitempty"`
	Error   string           `json:"error,omitempty"`
}

func boolParam(r *http.Request, name string) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return v
}

// apiRun starts a run of a sync: 202 at once, or with ?wait=true 200 with the report when it ends.
// A sync that is running already gives 409: the caller asked for a run now, not after the current one.
func (s *Server) apiRun(trigger string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sy := s.syncOr404(w, r)
		if sy == nil {
			return
		}
		opts := engine.Options{Full: boolParam(r, "full"), AllowMassDelete: boolParam(r, "allow_mass_delete")}
		run, err := s.runner.request(sy.Name, trigger, opts, true)
		if err != nil {
			s.runError(w, sy.Name, err)
			return
		}
		if !boolParam(r, "wait") {
			s.writeJSON(w, http.StatusAccepted, runResponse{Sync: sy.Name, Trigger: trigger, Status: "started", Started: run.Started})
			return
		}
		select {
		case <-run.Done():
		case <-r.Context().Done():
			return // the client left; the run goes on
		}
		s.writeJSON(w, http.StatusOK, finishedResponse(run))
	}
}

func finishedResponse(run *Run) runResponse {
	fin := run.Finished
	resp := runResponse{Sync: run.Sync, Trigger: run.Trigger, Status: "finished", Started: run.Started, Finished: &fin}
	if run.Report != nil {
		ok := run.Report.OK() && run.Err == nil
		resp.OK, resp.Results = &ok, run.Report.Results
	}
	if run.Err != nil {
		resp.Status, resp.Error = "stopped", run.Err.Error()
	}
	return resp
}

func (s *Server) runError(w http.ResponseWriter, name string, err error) {
	switch {
	case errors.Is(err, ErrBusy):
		s.writeError(w, http.StatusConflict, "sync "+name+" is already running; wait for it to finish (GET /api/syncs/"+name+" shows its progress)")
	case errors.Is(err, ErrShutdown):
		s.writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, errUnknownSync):
		s.writeError(w, http.StatusNotFound, err.Error())
	default:
		s.writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// apiPlan answers what a run would do now: engine.Execute without Apply, which writes nothing anywhere.
func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) {
	sy := s.syncOr404(w, r)
	if sy == nil {
		return
	}
	rep, err := s.plan(r.Context(), sy, boolParam(r, "full"))
	if err != nil {
		s.writeError(w, http.StatusServiceUnavailable, "plan stopped: "+err.Error())
		return
	}
	s.writeJSON(w, http.StatusOK, rep)
}

func (s *Server) plan(ctx context.Context, sy *config.Sync, full bool) (*engine.Report, error) {
	eng := s.base
	eng.Progress = nil
	return eng.Execute(ctx, s.spec.Spec, []*config.Sync{sy}, engine.Options{Full: full})
}

const (
	defaultRunsLimit = 50
	maxRunsLimit     = 1000
)

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultRunsLimit
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxRunsLimit {
			s.writeError(w, http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxRunsLimit))
			return
		}
		limit = n
	}
	var syncs []*config.Sync
	if name := q.Get("sync"); name != "" {
		sy := s.findSync(name)
		if sy == nil {
			s.writeError(w, http.StatusNotFound, "no sync named "+strconv.Quote(name)+" in the configuration")
			return
		}
		syncs = []*config.Sync{sy}
	} else {
		for _, sy := range s.spec.Syncs {
			if matchTenant(sy, q.Get("tenant")) {
				syncs = append(syncs, sy)
			}
		}
	}
	target := q.Get("target")
	out := []runView{}
	for _, sy := range syncs {
		if target != "" && !hasTarget(sy, target) {
			continue
		}
		runs, err := s.runs(r.Context(), sy, target, limit)
		if err != nil {
			s.writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		out = append(out, runs...)
	}
	sortRuns(out)
	if len(out) > limit {
		out = out[:limit]
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (s *Server) apiRejected(w http.ResponseWriter, r *http.Request) {
	sy := s.syncOr404(w, r)
	if sy == nil {
		return
	}
	target := r.URL.Query().Get("target")
	if target != "" && !hasTarget(sy, target) {
		s.writeError(w, http.StatusNotFound, "sync "+sy.Name+" has no target "+strconv.Quote(target))
		return
	}
	rej, err := s.rejected(r.Context(), sy, target)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"rejected": rej})
}

// dropRequest names rejected records to drop: the keys as GET .../rejected lists them, or all of them.
type dropRequest struct {
	Target string            `json:"target"`
	Keys   []json.RawMessage `json:"keys"`
	All    bool              `json:"all"`
}

func (s *Server) apiDrop(w http.ResponseWriter, r *http.Request) {
	sy := s.syncOr404(w, r)
	if sy == nil {
		return
	}
	var req dropRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, http.StatusBadRequest, `the body must be JSON: {"target": "connection/stream", "keys": [<key as listed>, ...]} or {"all": true}`)
		return
	}
	res, err := s.drop(r.Context(), sy, req)
	if err != nil {
		s.dropError(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, res)
}
