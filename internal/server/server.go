package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/onewaysync/oneway/connector/httpclient"
	"github.com/onewaysync/oneway/internal/alert"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/metrics"
	"github.com/onewaysync/oneway/internal/schedule"
	"github.com/onewaysync/oneway/internal/webhook"
)

// Options configure a Server.
type Options struct {
	Spec *config.ServeSpec
	// Engine is the engine every run and plan copies: Registry, Store, Logger and Redact set as the CLI
	// sets them. Its Store is also where the server reads runs and rejected records.
	Engine *engine.Engine
	// Clock drives schedules, debouncing, lag and timestamps; nil is the system clock.
	Clock schedule.Clock
	// AlertClient posts alerts; nil is a default httpclient.
	AlertClient *httpclient.Client
}

// Server is `oneway serve`. Build it with New, serve Handler (or call Run), and cancel Run's context to
// shut it down.
type Server struct {
	spec    *config.ServeSpec
	store   ledger.Store
	clock   schedule.Clock
	log     *slog.Logger
	base    engine.Engine
	runner  *runner
	metrics *metrics.Metrics
	tracker *alert.Tracker
	sender  *alert.Sender // nil without alerts
	seen    *webhook.Seen
	hooks   map[string]*webhook.Debouncer
	pages   map[string]*template.Template
	cookie  string // the dashboard cookie's expected value ("" without api_token)
	handler http.Handler
}

// Limits of the webhook replay cache: ids are kept a day (Greenhouse's scheme has no timestamp, so a
// replay is only caught while its signature is remembered), at most 100000 of them (a few MB).
const (
	seenTTL = 24 * time.Hour
	seenMax = 100000
)

// New builds a server: it reads the state once to know each sync's health (so that alerts after a
// restart announce changes, not the state it found) and the last successful runs (for the lag).
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Spec == nil || o.Engine == nil || o.Engine.Store == nil {
		return nil, errors.New("server: Spec, Engine and Engine.Store are required")
	}
	if err := CheckListen(o.Spec.Server); err != nil {
		return nil, err
	}
	s := &Server{spec: o.Spec, store: o.Engine.Store, clock: o.Clock, base: *o.Engine, seen: webhook.NewSeen(seenTTL, seenMax),
		hooks: map[string]*webhook.Debouncer{}}
	if s.clock == nil {
		s.clock = schedule.RealClock{}
	}
	s.log = o.Engine.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.base.Now == nil {
		s.base.Now = s.clock.Now
	}
	if s.base.Redact == nil {
		s.base.Redact = o.Spec.Redact
	}
	s.metrics = metrics.New(s.clock.Now)
	threshold := config.DefaultRejectedShare
	if a := o.Spec.Server.Alerts; a != nil {
		threshold = a.RejectedShare
		client := o.AlertClient
		if client == nil {
			client = httpclient.New(httpclient.Options{Timeout: 10 * time.Second})
		}
		u, slack := a.Webhook, false
		if a.SlackWebhook != "" {
			u, slack = a.SlackWebhook, true
		}
		s.sender = alert.NewSender(u, slack, client, s.log, o.Spec.Redact)
	}
	s.tracker = alert.NewTracker(threshold)
	s.runner = newRunner(o.Spec.Spec, s.base, s.clock, s.log, s.afterRun)
	s.runner.started = func(r *Run) { s.metrics.SetRunning(r.Sync, true) }
	for _, sy := range o.Spec.Syncs {
		if svc := o.Spec.Services[sy.Name]; svc != nil && svc.Webhook != nil {
			name := sy.Name
			s.hooks[name] = webhook.NewDebouncer(s.clock, svc.Webhook.Debounce, func() { s.hookRun(name) })
		}
	}
	if err := s.seed(ctx); err != nil {
		s.stopBackground()
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		s.stopBackground()
		return nil, err
	}
	s.pages = pages
	if o.Spec.Server.APIToken != "" {
		s.cookie = cookieValue(o.Spec.Server.APIToken)
	}
	s.handler = s.routes()
	return s, nil
}

// CheckListen refuses to serve on an address other machines can reach without an API token (the
// configuration checks the same, but --listen can change the address).
func CheckListen(srv config.Server) error {
	if srv.APIToken == "" && !config.IsLoopback(srv.Listen) {
		return fmt.Errorf("refusing to listen on %s without server.api_token: anyone who can reach it could start runs; set api_token (such as ${env:ONEWAY_API_TOKEN}) or listen on 127.0.0.1", srv.Listen)
	}
	return nil
}

// Handler returns the HTTP handler: API, webhooks, dashboard, metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves on ln and runs the schedules until ctx is cancelled (SIGTERM). Then it stops scheduling
// and refuses new runs, lets the runs in progress finish for up to server.shutdown_grace, cancels them
// if they have not (the engine commits per batch, so the state holds exactly the acknowledged batches),
// stops the HTTP server and sends the alerts still queued. It returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	// The schedules stop with ctx, or when serving fails.
	schedCtx, stopSchedules := context.WithCancel(ctx)
	defer stopSchedules()
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		s.schedule(schedCtx)
	}()
	s.log.Info("serving", "address", ln.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	s.log.Info("shutting down: no new runs; waiting for the runs in progress", "grace", s.spec.Server.ShutdownGrace.String())
	stopSchedules()
	s.shutdown()
	<-schedDone
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if serr := hs.Shutdown(shutCtx); serr != nil {
		hs.Close()
	}
	s.stopBackground()
	return err
}

// shutdown stops runs: no new ones, the current ones get the grace period.
func (s *Server) shutdown() {
	for _, d := range s.hooks {
		d.Stop()
	}
	s.runner.close()
	s.runner.wait(s.spec.Server.ShutdownGrace)
}

func (s *Server) stopBackground() {
	for _, d := range s.hooks {
		d.Stop()
	}
	if s.sender != nil {
		s.sender.Close(10 * time.Second)
	}
}

// schedule runs the syncs that have a schedule until ctx is cancelled.
func (s *Server) schedule(ctx context.Context) {
	var jobs []schedule.Job
	for _, sy := range s.spec.Syncs {
		svc := s.spec.Services[sy.Name]
		if svc == nil || svc.Schedule == nil {
			continue
		}
		name := sy.Name
		jobs = append(jobs, schedule.Job{Name: name, Schedule: svc.Schedule, Run: func(context.Context) {
			run, err := s.runner.request(name, TriggerSchedule, engine.Options{}, false)
			if err != nil {
				s.log.Warn("scheduled run not started", "sync", name, "error", err)
				return
			}
			<-run.Done()
		}})
	}
	sched := &schedule.Scheduler{Clock: s.clock, OnNext: s.runner.setNext}
	sched.Run(ctx, jobs)
}
