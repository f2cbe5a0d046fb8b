package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/scratch"
)

// VerifyReport is the outcome of Verify: one result per sync and target.
type VerifyReport struct {
	Results []*VerifyResult `json:"results"`
}

// VerifyResult compares one target with what the source and the mapping say it should hold.
type VerifyResult struct {
	Sync   string `json:"sync"`
	Tenant string `json:"tenant,omitempty"`
	Target string `json:"target"`
	// Expected is how many records the target should hold; Checked how many it was found to hold.
	Expected  int `json:"expected"`
	Checked   int `json:"checked"`
	Missing   int `json:"missing"`
	Extra     int `json:"extra"`
	Different int `json:"different"`
	// Status is clean, differs, repaired, failed or unsupported.
	Status   string        `json:"status"`
	Error    string        `json:"error,omitempty"`
	Samples  []Discrepancy `json:"samples,omitempty"`
	Repaired *Result       `json:"repaired,omitempty"`
}

// Discrepancy is one record that is not as it should be.
type Discrepancy struct {
	Kind    string        `json:"kind"` // missing, extra or different
	Key     any           `json:"key"`  // the target key
	Changes []FieldChange `json:"changes,omitempty"`
}

// Verify statuses.
const (
	VerifyClean       = "clean"
	VerifyDiffers     = "differs"
	VerifyRepaired    = "repaired"
	VerifyFailed      = "failed"
	VerifyUnsupported = "unsupported"
)

// OK reports whether every target verified clean (or was repaired).
func (r *VerifyReport) OK() bool {
	for _, res := range r.Results {
		if res.Status != VerifyClean && res.Status != VerifyRepaired {
			return false
		}
	}
	return true
}

const maxDiscrepanciesShown = 20

// Verify reads each target back and compares it with what the source, filter and map say it should
// hold: records missing, extra (mirror targets only: other modes share their target with other
// writers) and different in a mapped field. With repair, it sends the fixes through the normal apply
// path (batches, retries, the ledger) and records them as a run. Targets that cannot be read back are
// reported unsupported.
func (e *Engine) Verify(ctx context.Context, spec *config.Spec, syncs []*config.Sync, repair bool) (*VerifyReport, error) {
	rep := &VerifyReport{}
	for _, sy := range syncs {
		rep.Results = append(rep.Results, e.verifySync(ctx, spec, sy, repair)...)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

type verifyTarget struct {
	t        *targetRun
	vr       *VerifyResult
	expected *scratch.Table
}

func (e *Engine) verifySync(ctx context.Context, spec *config.Spec, sy *config.Sync, repair bool) []*VerifyResult {
	sr := &syncRun{e: e, sy: sy, opts: Options{Apply: true, Samples: -1}, log: e.logger().With("sync", sy.Name),
		readMode: config.DetectSnapshot, complete: true}
	var vts []*verifyTarget
	var out []*VerifyResult
	for _, tc := range sy.Targets {
		vr := &VerifyResult{Sync: sy.Name, Tenant: sy.Tenant, Target: tc.ID()}
		out = append(out, vr)
		t := &targetRun{cfg: tc, scope: ledger.Scope{Sync: sy.Name, Target: tc.ID()},
			res: &Result{Sync: sy.Name, Tenant: sy.Tenant, Target: tc.ID()}, log: sr.log.With("target", tc.ID())}
		sr.targets = append(sr.targets, t)
		vts = append(vts, &verifyTarget{t: t, vr: vr})
	}
	failAll := func(err error) []*VerifyResult {
		for _, vr := range out {
			if vr.Status == "" {
				vr.Status, vr.Error = VerifyFailed, e.redact(err.Error())
			}
		}
		return out
	}
	if repair {
		unlock, err := e.Store.Lock(sy.Name)
		if err != nil {
			return failAll(err)
		}
		defer unlock()
	}
	conns := map[string]connector.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	open := func(name string) (connector.Conn, error) {
		if c, ok := conns[name]; ok {
			return c, nil
		}
		c, err := e.openConn(spec, name)
		if err == nil {
			conns[name] = c
		}
		return c, err
	}
	for _, vt := range vts {
		if vt.t.cfg.Mode != config.ModeMirror && vt.t.cfg.Mode != config.ModeUpsert {
			vt.vr.Status = VerifyUnsupported
			vt.vr.Error = fmt.Sprintf("mode %s targets are not verified: only mirror and upsert targets promise to hold every source record", vt.t.cfg.Mode)
			continue
		}
		tbl, err := scratch.New(ctx)
		if err != nil {
			return failAll(err)
		}
		defer tbl.Close()
		vt.expected = tbl
	}
	src, err := open(sy.Source.Connection)
	if err != nil {
		return failAll(err)
	}
	if err := sr.expect(ctx, src, vts); err != nil {
		return failAll(err)
	}
	for _, vt := range vts {
		if vt.expected == nil {
			continue
		}
		conn, err := open(vt.t.cfg.Connection)
		if err == nil {
			err = sr.compare(ctx, conn, vt, repair)
		}
		if err != nil {
			vt.vr.Status, vt.vr.Error = VerifyFailed, e.redact(err.Error())
			if errors.Is(err, connector.ErrUnsupported) {
				vt.vr.Status = VerifyUnsupported
			}
			continue
		}
		switch {
		case vt.vr.Missing+vt.vr.Extra+vt.vr.Different == 0:
			vt.vr.Status = VerifyClean
		case !repair:
			vt.vr.Status = VerifyDiffers
		default:
			sr.apply(ctx, vt.t, conn)
			vt.t.plan.close()
			vt.vr.Repaired = vt.t.res
			vt.vr.Status = VerifyRepaired
			if vt.t.err != nil || vt.t.res.Failed > 0 {
				vt.vr.Status = VerifyFailed
				if vt.t.err != nil {
					vt.vr.Error = e.redact(vt.t.err.Error())
				}
			}
			vt.t.res.Status = StatusOK
			if vt.t.err != nil {
				vt.t.res.Status, vt.t.res.Error = StatusFailed, e.redact(vt.t.err.Error())
			}
		}
	}
	return out
}

// expect reads the source once and stores, per target, what each record should look like there.
func (sr *syncRun) expect(ctx context.Context, conn connector.Conn, vts []*verifyTarget) error {
	src, ok := conn.(connector.Source)
	if !ok {
		return fmt.Errorf("connection %s cannot be read from", sr.sy.Source.Connection)
	}
	reader, err := src.Read(ctx, connector.ReadRequest{Stream: sr.sy.Source.Stream, Key: sr.sy.Source.Key, BatchSize: sr.sy.Source.BatchSize})
	if err != nil {
		return fmt.Errorf("read %s: %w", sr.sy.Source.Stream, err)
	}
	defer reader.Close()
	for {
		recs, err := reader.Next(ctx)
		if errors.Is(err, connector.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", sr.sy.Source.Stream, err)
		}
		for _, vt := range vts {
			if vt.expected == nil {
				continue
			}
			var keys []string
			var vals [][]byte
			for _, rec := range recs {
				skey, err := connector.RecordKey(rec, sr.sy.Source.Key)
				if err != nil {
					return fmt.Errorf("record of %s: %w", sr.sy.Source.Stream, err)
				}
				present, mapped, err := sr.transform(rec)
				if !present || err != nil {
					continue // failed records are the rejected list's business, not verify's
				}
				tvals, err := connector.KeyValues(mapped, vt.t.cfg.Key)
				if err != nil {
					continue
				}
				tkey, err := connector.EncodeKey(tvals)
				if err != nil {
					return err
				}
				doc, err := connector.CanonicalJSON(map[string]any(mapped))
				if err != nil {
					return err
				}
				p := planned{Action: connector.Create, Key: skey, TKey: tkey, Rec: mapped, Doc: doc, Hash: hashDoc(doc), Fresh: true}
				val, err := encodePlanned(nil, &p, mapped)
				if err != nil {
					return err
				}
				keys = append(keys, looseKey(tvals))
				vals = append(vals, val)
			}
			dups, err := vt.expected.Put(ctx, keys, vals)
			if err != nil {
				return err
			}
			if len(dups) > 0 {
				return fmt.Errorf("two source records map to target key %s of %s", dups[0], vt.t.scope.Target)
			}
			vt.vr.Expected += len(keys)
		}
	}
}

// compare reads the target back and classifies each record; with repair it spools the fixes.
func (sr *syncRun) compare(ctx context.Context, conn connector.Conn, vt *verifyTarget, repair bool) error {
	t := vt.t
	src, ok := conn.(connector.Source)
	if !ok {
		return fmt.Errorf("connection %s cannot be read back: %w", t.cfg.Connection, connector.ErrUnsupported)
	}
	if repair {
		var err error
		if t.plan, err = newSpool(); err != nil {
			return err
		}
	}
	reader, err := src.Read(ctx, connector.ReadRequest{Stream: t.cfg.Stream, Key: t.cfg.Key, BatchSize: t.cfg.BatchSize})
	if err != nil {
		return fmt.Errorf("read back %s: %w", t.scope.Target, err)
	}
	defer reader.Close()
	note := func(d Discrepancy) {
		if len(vt.vr.Samples) < maxDiscrepanciesShown {
			vt.vr.Samples = append(vt.vr.Samples, d)
		}
	}
	for {
		recs, err := reader.Next(ctx)
		if errors.Is(err, connector.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read back %s: %w", t.scope.Target, err)
		}
		for _, actual := range recs {
			vt.vr.Checked++
			avals, err := connector.KeyValues(actual, t.cfg.Key)
			if err != nil {
				return fmt.Errorf("read back %s: %w", t.scope.Target, err)
			}
			val, ok, err := vt.expected.Take(ctx, looseKey(avals))
			if err != nil {
				return err
			}
			if !ok {
				if t.cfg.Mode != config.ModeMirror || softDeleted(actual, t.cfg) {
					continue
				}
				vt.vr.Extra++
				tkey, err := connector.EncodeKey(avals)
				if err != nil {
					return err
				}
				note(Discrepancy{Kind: "extra", Key: json.RawMessage(tkey)})
				if repair {
					p := planned{Action: connector.Delete, TKey: tkey}
					if t.cfg.OnDelete == config.OnDeleteSoft {
						p.Action, p.Rec = connector.SoftDelete, t.cfg.SoftDelete
					}
					if t.cfg.OnDelete != config.OnDeleteIgnore {
						if err := t.plan.add(p); err != nil {
							return err
						}
					}
				}
				continue
			}
			p, err := decodePlanned(val)
			if err != nil {
				return err
			}
			changes := diffFields(p.Rec, actual)
			if len(changes) == 0 {
				continue
			}
			vt.vr.Different++
			note(Discrepancy{Kind: "different", Key: json.RawMessage(p.TKey), Changes: changes})
			if repair {
				if err := t.plan.add(p); err != nil {
					return err
				}
			}
		}
	}
	return vt.expected.Unmarked(ctx, func(_ string, val []byte) error {
		p, err := decodePlanned(val)
		if err != nil {
			return err
		}
		vt.vr.Missing++
		note(Discrepancy{Kind: "missing", Key: json.RawMessage(p.TKey)})
		if repair {
			return t.plan.add(p)
		}
		return nil
	})
}

// softDeleted reports whether a record carries the target's soft_delete values (a removal, not an extra).
func softDeleted(rec connector.Record, t *config.Target) bool {
	if t.OnDelete != config.OnDeleteSoft || len(t.SoftDelete) == 0 {
		return false
	}
	for f, v := range t.SoftDelete {
		if !sameValue(v, rec[f]) {
			return false
		}
	}
	return true
}

// diffFields lists the mapped fields whose value in the target differs. Fields the sync does not map
// are not compared: the target may hold more.
func diffFields(want, got connector.Record) []FieldChange {
	var out []FieldChange
	for _, f := range want.Fields() {
		if !sameValue(want[f], got[f]) {
			out = append(out, FieldChange{Field: f, Old: jsonable(got[f]), New: jsonable(want[f])})
		}
	}
	return out
}

func jsonable(v any) any {
	if b, err := connector.CanonicalJSON(v); err == nil {
		return json.RawMessage(b)
	}
	return fmt.Sprint(v)
}

// sameValue compares a mapped value with what a target gave back, allowing for what targets cannot keep:
// a text-only target (CSV) returns text, a number may come back as another numeric type, a time in
// another zone.
func sameValue(want, got any) bool {
	a, err1 := connector.CanonicalJSON(want)
	b, err2 := connector.CanonicalJSON(got)
	if err1 == nil && err2 == nil && string(a) == string(b) {
		return true
	}
	if x, ok := number(want); ok {
		if y, ok := number(got); ok {
			return x.Cmp(y) == 0
		}
	}
	if s, ok := got.(string); ok {
		return s == text(want)
	}
	return false
}

func number(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(x) == nil {
			return nil, false
		}
		return r, true
	case json.Number:
		return new(big.Rat).SetString(string(x))
	}
	return nil, false
}

// text renders a value as a text-only target stores it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	b, err := connector.CanonicalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// looseKey identifies a record by the text of its key values, so that a key read back as text (CSV)
// matches the number it was written as.
func looseKey(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = text(v)
	}
	b, _ := json.Marshal(parts)
	return string(b)
}
