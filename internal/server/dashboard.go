package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onewaysync/oneway/internal/engine"
)

//go:embed web/templates/*.html web/static/*
var web embed.FS

// pageData is what every dashboard page is rendered with.
type pageData struct {
	Title    string
	Notice   string
	Next     string
	NoToken  bool
	SignedIn bool
	Now      time.Time
	Tenant   string
	Tenants  []string
	Syncs    []*syncView
	Sync     *syncView
	Runs     []runView
	Rejected []rejectedView
	Charts   []chart
	Plan     *engine.Report
	PlanErr  string // why a plan or a verify stopped
	Verify   *engine.VerifyReport
	Repair   bool
}

// pageNames are the pages; each is parsed with layout.html into its own template.
var pageNames = []string{"index.html", "sync.html", "plan.html", "verify.html", "login.html"}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(pageFuncs).ParseFS(web, "web/templates/layout.html", "web/templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func staticFiles() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.FileServerFS(sub)
}

var pageFuncs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.Local().Format("2006-01-02 15:04:05")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.Local().Format("2006-01-02 15:04:05")
		}
		return "—"
	},
	"rel": relative,
	"lag": func(sec *float64) string {
		if sec == nil {
			return "—"
		}
		return humanDuration(time.Duration(*sec * float64(time.Second)))
	},
	"secs": func(sec float64) string { return humanDuration(time.Duration(sec * float64(time.Second))) },
	"key":  func(k json.RawMessage) string { return string(k) },
	"compact": func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		s := string(b)
		if len(s) > 200 {
			s = s[:197] + "..."
		}
		return s
	},
	"f1":    func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"pct":   func(done, total int) int { return int(math.Round(100 * float64(done) / math.Max(1, float64(total)))) },
	"lower": strings.ToLower,
}

// relative renders a time against now: "3m ago", "in 5m".
func relative(now time.Time, t any) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return ""
		}
		v = *x
	}
	if v.IsZero() {
		return ""
	}
	d := v.Sub(now)
	if d >= 0 {
		return "in " + humanDuration(d)
	}
	return humanDuration(-d) + " ago"
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// render executes a page into a buffer (so a template error is a clean 500, not half a page) and sends
// it through Spec.Redact like every API response.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, status int, data pageData) {
	data.Now = s.clock.Now()
	data.SignedIn = s.spec.Server.APIToken != "" && s.authorized(r)
	if data.Notice == "" {
		data.Notice = notices[r.URL.Query().Get("notice")]
	}
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render dashboard page", "page", page, "error", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(s.spec.Redact(buf.String())))
}

// notices are the messages a redirect after a form may show, by code (never text from the request).
var notices = map[string]string{
	"started":  "Run started.",
	"busy":     "The sync is already running; try again when it has finished.",
	"shutdown": "The server is shutting down and starts no new runs.",
	"dropped":  "Rejected record dropped: it is not sent again until it changes at the source.",
	"notfound": "That rejected record is no longer in the list.",
}

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) {
	tenant := strings.TrimSpace(r.URL.Query().Get("tenant"))
	views, err := s.views(r.Context(), tenant)
	if err != nil {
		http.Error(w, s.spec.Redact(err.Error()), http.StatusInternalServerError)
		return
	}
	s.render(w, r, "index.html", http.StatusOK, pageData{Title: "Syncs", Syncs: views, Tenant: tenant, Tenants: s.tenants()})
}

func (s *Server) pageSync(w http.ResponseWriter, r *http.Request) {
	sy := s.findSync(r.PathValue("sync"))
	if sy == nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	v, err := s.view(ctx, sy)
	if err == nil {
		var runs []runView
		runs, err = s.runs(ctx, sy, "", chartRuns*len(sy.Targets))
		if err == nil {
			var rej []rejectedView
			rej, err = s.rejected(ctx, sy, "")
			if err == nil {
				data := pageData{Title: sy.Name, Sync: v, Runs: runs, Rejected: rej}
				for _, t := range sy.Targets {
					data.Charts = append(data.Charts, buildChart(t.ID(), runs))
				}
				s.render(w, r, "sync.html", http.StatusOK, data)
				return
			}
		}
	}
	http.Error(w, s.spec.Redact(err.Error()), http.StatusInternalServerError)
}

func (s *Server) pagePlan(w http.ResponseWriter, r *http.Request) {
	sy := s.findSync(r.PathValue("sync"))
	if sy == nil {
		http.NotFound(w, r)
		return
	}
	v, err := s.view(r.Context(), sy)
	if err != nil {
		http.Error(w, s.spec.Redact(err.Error()), http.StatusInternalServerError)
		return
	}
	data := pageData{Title: "Plan of " + sy.Name, Sync: v}
	rep, err := s.plan(r.Context(), sy, boolParam(r, "full"))
	if err != nil {
		data.PlanErr = err.Error()
	}
	data.Plan = rep
	s.render(w, r, "plan.html", http.StatusOK, data)
}

// formRun is the dashboard's Run now and Retry buttons.
func (s *Server) formRun(trigger string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sy := s.findSync(r.PathValue("sync"))
		if sy == nil {
			http.NotFound(w, r)
			return
		}
		notice := "started"
		if _, err := s.runner.request(sy.Name, trigger, engine.Options{}, true); err != nil {
			notice = "busy"
			if errors.Is(err, ErrShutdown) {
				notice = "shutdown"
			}
		}
		back := "/syncs/" + url.PathEscape(sy.Name)
		if r.PostFormValue("from") == "index" {
			back = "/"
		}
		http.Redirect(w, r, back+"?notice="+notice, http.StatusSeeOther)
	}
}

// formDrop is the dashboard's Drop button on a rejected record.
func (s *Server) formDrop(w http.ResponseWriter, r *http.Request) {
	sy := s.findSync(r.PathValue("sync"))
	if sy == nil {
		http.NotFound(w, r)
		return
	}
	key := r.PostFormValue("key")
	notice := "dropped"
	res, err := s.drop(r.Context(), sy, dropRequest{Target: r.PostFormValue("target"), Keys: []json.RawMessage{json.RawMessage(key)}})
	switch {
	case errors.Is(err, errDropBusy):
		notice = "busy"
	case err != nil:
		http.Error(w, s.spec.Redact(err.Error()), http.StatusBadRequest)
		return
	case res.Dropped == 0:
		notice = "notfound"
	}
	http.Redirect(w, r, "/syncs/"+url.PathEscape(sy.Name)+"?notice="+notice, http.StatusSeeOther)
}
