package greenhouse

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
	rest "github.com/onewaysync/oneway/connector/http"
)

// candidateIDsMax is Harvest's cap on candidate_ids ("A maximum of 50 candidates can be returned this
// way").
const candidateIDsMax = 50

// readHired opens hired_candidates: one record per application whose status is hired, joined with its
// candidate (name, first e-mail, phone and address), its job (title, first department and office,
// first hiring manager, whose e-mail comes from the user) and its current offer (start date). Its key
// is application_id. The record's updated_at is the latest of the candidate's updated_at, the
// application's last_activity_at and the offer's updated_at, so that a change of any of them shows in a
// cursor read; changes to the job or to the hiring manager's user show in snapshot reads only.
//
// A snapshot read pages through GET /applications?status=hired and joins page by page. A cursor read
// (cur != nil) collects the hired applications whose application changed (last_activity_after), whose
// candidate changed (updated_after, then the candidate's applications) or whose offer changed
// (GET /offers?updated_after, then the application), joins them all and orders them by (updated_at,
// application_id).
func (c *Conn) readHired(req connector.ReadRequest, cur *connector.CursorRequest) (connector.Reader, error) {
	j := &joiner{c: c, jobs: map[int64]map[string]any{}, users: map[int64]map[string]any{}}
	pages := c.api.Pages(c.api.URL("/applications", url.Values{"status": {"hired"}}), linkPages, "")
	snapshot := func(ctx context.Context) ([]connector.Record, error) {
		items, err := pages.Next(ctx)
		if err != nil {
			if errors.Is(err, connector.EOF) {
				return nil, err
			}
			return nil, fmt.Errorf("read %s: %w", hiredStream, err)
		}
		return j.records(ctx, objects(items), nil)
	}
	switch {
	case cur == nil:
		return rest.NewReader(snapshot, rest.ReaderOptions{BatchSize: req.BatchSize, Unique: req.Key}), nil
	case len(cur.From) == 0 || cur.From[0] == nil:
		// From the start: every hire, in cursor order.
		return sortedReader(*cur, nil, func(ctx context.Context) ([]connector.Record, error) { return drain(ctx, snapshot) }), nil
	}
	since := func(param string) (url.Values, []any, error) { return sinceQuery(nil, param, cur.From) }
	appQ, from, err := since("last_activity_after")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hiredStream, err)
	}
	appQ.Set("status", "hired")
	candQ, _, _ := since("updated_after")
	offerQ, _, _ := since("updated_after")
	return sortedReader(*cur, from, func(ctx context.Context) ([]connector.Record, error) {
		fail := func(err error) ([]connector.Record, error) { return nil, fmt.Errorf("read %s: %w", hiredStream, err) }
		apps := map[int64]map[string]any{}
		changed, err := j.all(ctx, "/applications", appQ)
		if err != nil {
			return fail(err)
		}
		for _, a := range changed {
			apps[num(a, "id")] = a
		}
		cands, err := j.all(ctx, "/candidates", candQ)
		if err != nil {
			return fail(err)
		}
		byID := map[int64]map[string]any{}
		for _, cand := range cands {
			byID[num(cand, "id")] = cand
			for _, a := range objects(listOf(cand, "applications")) {
				if a["status"] == "hired" {
					apps[num(a, "id")] = a
				}
			}
		}
		offers, err := j.all(ctx, "/offers", offerQ)
		if err != nil {
			return fail(err)
		}
		for _, o := range offers {
			id := num(o, "application_id")
			if _, have := apps[id]; have || id == 0 {
				continue
			}
			a, err := j.get(ctx, "/applications/"+strconv.FormatInt(id, 10))
			if err != nil {
				return fail(err)
			}
			if a != nil && a["status"] == "hired" {
				apps[id] = a
			}
		}
		ids := make([]int64, 0, len(apps))
		for id := range apps {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		ordered := make([]map[string]any, len(ids))
		for i, id := range ids {
			ordered[i] = apps[id]
		}
		return j.records(ctx, ordered, byID)
	}), nil
}

var linkPages = rest.Pagination{Type: rest.PageLink, SizeParam: "per_page", Size: perPage}

// joiner fetches what hired records join, caching jobs and users for the length of one read.
type joiner struct {
	c     *Conn
	jobs  map[int64]map[string]any
	users map[int64]map[string]any
}

// all reads every page of a list as objects.
func (j *joiner) all(ctx context.Context, path string, q url.Values) ([]map[string]any, error) {
	pages := j.c.api.Pages(j.c.api.URL(path, q), linkPages, "")
	var out []map[string]any
	for {
		items, err := pages.Next(ctx)
		if errors.Is(err, connector.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, objects(items)...)
	}
}

// get fetches one object; a 404 is nil without error.
func (j *joiner) get(ctx context.Context, path string) (map[string]any, error) {
	v, resp, err := j.c.api.GetJSON(ctx, j.c.api.URL(path, nil))
	if rest.NotFound(resp) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, _ := rest.Value(v).(map[string]any)
	return m, nil
}

// records joins hired applications into records; cands holds candidates already fetched.
func (j *joiner) records(ctx context.Context, apps []map[string]any, cands map[int64]map[string]any) ([]connector.Record, error) {
	if cands == nil {
		cands = map[int64]map[string]any{}
	}
	var missing []string
	for _, a := range apps {
		if id := num(a, "candidate_id"); cands[id] == nil && id != 0 {
			cands[id] = map[string]any{} // placeholder: asked for once
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	for start := 0; start < len(missing); start += candidateIDsMax {
		chunk := missing[start:min(start+candidateIDsMax, len(missing))]
		got, err := j.all(ctx, "/candidates", url.Values{"candidate_ids": {strings.Join(chunk, ",")}})
		if err != nil {
			return nil, fmt.Errorf("read %s: candidates: %w", hiredStream, err)
		}
		for _, cand := range got {
			cands[num(cand, "id")] = cand
		}
	}
	out := make([]connector.Record, 0, len(apps))
	for _, a := range apps {
		cand := cands[num(a, "candidate_id")]
		if len(cand) == 0 {
			continue // the candidate was deleted meanwhile
		}
		r, err := j.record(ctx, a, cand)
		if err != nil {
			return nil, fmt.Errorf("read %s: application %d: %w", hiredStream, num(a, "id"), err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (j *joiner) record(ctx context.Context, a, cand map[string]any) (connector.Record, error) {
	r := connector.Record{
		"application_id": num(a, "id"), "candidate_id": num(cand, "id"), "status": a["status"],
		"first_name": cand["first_name"], "last_name": cand["last_name"],
		"email": firstValue(cand, "email_addresses"), "phone": firstValue(cand, "phone_numbers"),
		"address": firstValue(cand, "addresses"),
		"job_id":  nil, "job_title": nil, "department": nil, "office": nil,
		"hiring_manager_id": nil, "hiring_manager": nil, "hiring_manager_email": nil, "hiring_manager_employee_id": nil,
		"start_date": nil, "last_activity_at": nil, "updated_at": nil,
	}
	latest := time.Time{}
	for _, v := range []any{cand["updated_at"], a["last_activity_at"]} {
		if t, ok := asTime(v); ok && t.After(latest) {
			latest = t
		}
	}
	if t, ok := asTime(a["last_activity_at"]); ok {
		r["last_activity_at"] = t
	}
	if jobs := objects(listOf(a, "jobs")); len(jobs) > 0 {
		if err := j.addJob(ctx, r, num(jobs[0], "id")); err != nil {
			return nil, err
		}
	}
	offer, err := j.get(ctx, "/applications/"+strconv.FormatInt(num(a, "id"), 10)+"/offers/current_offer")
	if err != nil {
		return nil, fmt.Errorf("current offer: %w", err)
	}
	if offer != nil {
		r["start_date"] = offer["starts_at"]
		if t, ok := asTime(offer["updated_at"]); ok && t.After(latest) {
			latest = t
		}
	}
	if !latest.IsZero() {
		r["updated_at"] = latest
	}
	return r, nil
}

// addJob sets the job's title, first department and office, and its first hiring manager.
func (j *joiner) addJob(ctx context.Context, r connector.Record, id int64) error {
	r["job_id"] = id
	job, cached := j.jobs[id]
	if !cached {
		var err error
		if job, err = j.get(ctx, "/jobs/"+strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("job %d: %w", id, err)
		}
		j.jobs[id] = job
	}
	if job == nil {
		return nil
	}
	r["job_title"] = job["name"]
	if d := objects(listOf(job, "departments")); len(d) > 0 {
		r["department"] = d[0]["name"]
	}
	if o := objects(listOf(job, "offices")); len(o) > 0 {
		r["office"] = o[0]["name"]
	}
	team, _ := job["hiring_team"].(map[string]any)
	managers := objects(listOf(team, "hiring_managers"))
	if len(managers) == 0 {
		return nil
	}
	hm := managers[0]
	uid := num(hm, "id")
	r["hiring_manager_id"], r["hiring_manager"], r["hiring_manager_employee_id"] = uid, hm["name"], hm["employee_id"]
	user, cached := j.users[uid]
	if !cached {
		var err error
		if user, err = j.get(ctx, "/users/"+strconv.FormatInt(uid, 10)); err != nil {
			return fmt.Errorf("hiring manager %d: %w", uid, err)
		}
		j.users[uid] = user
	}
	if user != nil {
		r["hiring_manager_email"] = user["primary_email_address"]
	}
	return nil
}

// objects converts decoded JSON items to maps with record values, skipping anything else.
func objects(items []any) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := rest.Value(it).(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func listOf(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

func num(m map[string]any, key string) int64 {
	n, _ := m[key].(int64)
	return n
}

// firstValue is the value of the first {value, type} entry of a list (e-mails, phones, addresses).
func firstValue(m map[string]any, key string) any {
	for _, e := range objects(listOf(m, key)) {
		if v, ok := e["value"].(string); ok && v != "" {
			return v
		}
	}
	return nil
}
