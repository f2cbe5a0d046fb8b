package server

import (
	"net/http"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Unauthenticated: liveness, and webhooks (authenticated by their signature).
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("POST /hooks/{sync}", s.hook)

	mux.Handle("GET /metrics", s.requireAPI(s.metrics.Handler().ServeHTTP))
	mux.HandleFunc("GET /api/syncs", s.requireAPI(s.apiSyncs))
	mux.HandleFunc("GET /api/syncs/{sync}", s.requireAPI(s.apiSync))
	mux.HandleFunc("POST /api/syncs/{sync}/run", s.requireAPI(s.apiRun(TriggerAPI)))
	mux.HandleFunc("GET /api/syncs/{sync}/plan", s.requireAPI(s.apiPlan))
	mux.HandleFunc("GET /api/syncs/{sync}/rejected", s.requireAPI(s.apiRejected))
	mux.HandleFunc("POST /api/syncs/{sync}/rejected/retry", s.requireAPI(s.apiRun(TriggerRetry)))
	mux.HandleFunc("POST /api/syncs/{sync}/rejected/drop", s.requireAPI(s.apiDrop))
	mux.HandleFunc("POST /api/syncs/{sync}/verify", s.requireAPI(s.apiVerify))
	mux.HandleFunc("GET /api/runs", s.requireAPI(s.apiRuns))
	mux.HandleFunc("/api/", s.requireAPI(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, "no such endpoint: see docs/api.md")
	}))

	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /static/", staticFiles())
	mux.HandleFunc("GET /{$}", s.requirePage(s.pageIndex))
	mux.HandleFunc("GET /syncs/{sync}", s.requirePage(s.pageSync))
	mux.HandleFunc("GET /syncs/{sync}/plan", s.requirePage(s.pagePlan))
	mux.HandleFunc("POST /syncs/{sync}/run", s.requirePage(s.formRun(TriggerDashboard)))
	mux.HandleFunc("POST /syncs/{sync}/rejected/retry", s.requirePage(s.formRun(TriggerRetry)))
	mux.HandleFunc("POST /syncs/{sync}/rejected/drop", s.requirePage(s.formDrop))
	mux.HandleFunc("POST /syncs/{sync}/verify", s.requirePage(s.formVerify))

	var h http.Handler = mux
	if s.spec.Server.APIToken == "" {
		h = loopbackHosts(h)
	}
	// State-changing requests from other sites' pages are refused (CSRF); webhooks and API clients send
	// no Sec-Fetch-Site or Origin header and pass.
	h = http.NewCrossOriginProtection().Handler(h)
	return securityHeaders(h)
}

// healthz answers 200 while the server takes work, and 503 once it is shutting down, so that a load
// balancer stops sending it webhooks while the last runs finish.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.runner.isClosing() {
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting_down"})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}
