package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/expr"
)

func TestLoadDefaults(t *testing.T) {
	path := writeConfig(t, `
		connections:
		  src: {kind: fake, path: ./src.db}
		  dst: {kind: fake, path: ./dst.db, retries: 3}
		syncs:
		  - name: people
		    source:
		      connection: src
		      stream: people
		      key: id
		    targets:
		      - connection: dst
		        stream: people_copy
	`)
	reg, _ := testRegistry()
	spec, err := Load(path, reg)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if spec.Path != path || spec.Dir != dir {
		t.Errorf("Path, Dir = %q, %q; want %q, %q", spec.Path, spec.Dir, path, dir)
	}
	if want := filepath.Join(dir, ".oneway", "state.db"); spec.State != want {
		t.Errorf("State = %q, want %q", spec.State, want)
	}
	wantConns := map[string]*Connection{
		"src": {Name: "src", Kind: "fake", Settings: connector.Settings{"path": "./src.db"}, Pos: Pos{File: path, Line: 2, Column: 3}},
		"dst": {Name: "dst", Kind: "fake", Settings: connector.Settings{"path": "./dst.db", "retries": int64(3)}, Pos: Pos{File: path, Line: 3, Column: 3}},
	}
	if diff := cmp.Diff(wantConns, spec.Connections); diff != "" {
		t.Errorf("Connections (-want +got):\n%s", diff)
	}
	if len(spec.Syncs) != 1 {
		t.Fatalf("got %d syncs, want 1", len(spec.Syncs))
	}
	s := spec.Syncs[0]
	wantSource := Source{Connection: "src", Stream: "people", Key: []string{"id"}, Detect: DetectSnapshot, BatchSize: 1000}
	if diff := cmp.Diff(wantSource, s.Source); diff != "" {
		t.Errorf("Source (-want +got):\n%s", diff)
	}
	if s.Name != "people" || s.Filter != nil || s.Map != nil || s.Pos.Line != 5 {
		t.Errorf("sync = %+v", s)
	}
	wantTarget := &Target{
		Connection: "dst", Stream: "people_copy", Key: []string{"id"}, Mode: ModeMirror, OnDelete: OnDeleteDelete,
		MaxDeleteRatio: 0.5, BatchSize: 500, Delivery: DeliveryAtLeastOnce, WriteTimeout: DefaultWriteTimeout, Options: connector.Settings{}, Pos: Pos{File: path, Line: 11, Column: 9},
	}
	if diff := cmp.Diff([]*Target{wantTarget}, s.Targets); diff != "" {
		t.Errorf("Targets (-want +got):\n%s", diff)
	}
	if s.Targets[0].ID() != "dst/people_copy" {
		t.Errorf("ID = %q", s.Targets[0].ID())
	}
}

func TestLoadEverySetting(t *testing.T) {
	spec := mustLoad(t, `
		state: var/state.sqlite
		connections:
		  ats: {kind: fake, path: ./ats.db}
		  hris: {kind: fake, path: ./hris.db}
		syncs:
		  - name: hired-to-hris
		    source:
		      connection: ats
		      stream: candidates
		      key: [id, tenant]
		      detect: cursor
		      cursor: [updated_at]
		      lookback: 10m
		      reconcile_every: 24h
		      batch_size: 250
		    filter: record.status == "hired"
		    map:
		      candidate_id: record.id
		      full_name: record.first_name + " " + record.last_name
		      email: lower(record.email)
		    targets:
		      - connection: hris
		        stream: employees
		        key: [candidate_id]
		        mode: mirror
		        on_delete: soft
		        soft_delete: {active: false, left: 1}
		        max_delete_ratio: 0.2
		        batch_size: 100
		        create_table: true
		        options: {schema: hr}
		      - connection: hris
		        stream: audit
		        key: candidate_id
		        mode: append
	`)
	if want := filepath.Join(spec.Dir, "var", "state.sqlite"); spec.State != want {
		t.Errorf("State = %q, want %q", spec.State, want)
	}
	s := spec.Syncs[0]
	wantSource := Source{
		Connection: "ats", Stream: "candidates", Key: []string{"id", "tenant"}, Detect: DetectCursor,
		Cursor: []string{"updated_at"}, Lookback: 10 * time.Minute, ReconcileEvery: 24 * time.Hour, BatchSize: 250,
	}
	if diff := cmp.Diff(wantSource, s.Source); diff != "" {
		t.Errorf("Source (-want +got):\n%s", diff)
	}
	if s.Filter.Source() != `record.status == "hired"` {
		t.Errorf("Filter = %q", s.Filter.Source())
	}
	if diff := cmp.Diff([]string{"candidate_id", "email", "full_name"}, s.Map.Fields()); diff != "" {
		t.Errorf("Map.Fields (-want +got):\n%s", diff)
	}
	t0 := s.Targets[0]
	if t0.Mode != ModeMirror || t0.OnDelete != OnDeleteSoft || t0.MaxDeleteRatio != 0.2 || t0.BatchSize != 100 {
		t.Errorf("target 0 = %+v", t0)
	}
	if diff := cmp.Diff(connector.Record{"active": false, "left": int64(1)}, t0.SoftDelete); diff != "" {
		t.Errorf("SoftDelete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(connector.Settings{"create_table": true, "schema": "hr"}, t0.Options); diff != "" {
		t.Errorf("Options (-want +got):\n%s", diff)
	}
	t1 := s.Targets[1]
	if t1.Mode != ModeAppend || t1.OnDelete != "" || t1.BatchSize != 500 || t1.Key[0] != "candidate_id" {
		t.Errorf("target 1 = %+v", t1)
	}
	ok, err := s.Filter.Match(expr.Env{Record: connector.Record{"status": "hired"}})
	if err != nil || !ok {
		t.Errorf("Filter.Match = %v, %v", ok, err)
	}
}

func TestLoadAbsoluteState(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "elsewhere", "state.db")
	spec := mustLoad(t, `
		state: `+abs+`
		connections:
		  c: {kind: fake}
		syncs:
		  - name: s
		    source: {connection: c, stream: a, key: id}
		    targets: [{connection: c, stream: b}]
	`)
	if spec.State != abs {
		t.Errorf("State = %q, want %q", spec.State, abs)
	}
}

func TestLoadRelativeConfigPath(t *testing.T) {
	path := writeConfig(t, `
		connections:
		  c: {kind: fake}
		syncs:
		  - name: s
		    source: {connection: c, stream: a, key: id}
		    targets: [{connection: c, stream: b}]
	`)
	t.Chdir(filepath.Dir(path))
	reg, _ := testRegistry()
	spec, err := Load("oneway.yaml", reg)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Path != path || spec.State != filepath.Join(filepath.Dir(path), ".oneway", "state.db") {
		t.Errorf("Path = %q, State = %q", spec.Path, spec.State)
	}
	if spec.Connections["c"].Pos.File != "oneway.yaml" {
		t.Errorf("Pos.File = %q, want the path as given", spec.Connections["c"].Pos.File)
	}
}

func TestLoadMap(t *testing.T) {
	spec := mustLoad(t, `
		connections:
		  c: {kind: fake}
		syncs:
		  - name: s
		    source: {connection: c, stream: a, key: id}
		    map:
		      id: record.id
		      name: |
		        concat_ws(" ",
		          record.first,
		          record.last)
		      address:
		        city: upper(record.city)
		        country: '"NL"'
		        zip: null
		      tags: [record.tag, 7, true, {k: record.id}]
		      literal: '{"n": record.id, "list": [1, 2]}'
		      version: 2
		      ratio: 0.5
		      flag: false
		    targets: [{connection: c, stream: b}]
	`)
	s := spec.Syncs[0]
	if diff := cmp.Diff([]string{"id"}, s.Targets[0].Key); diff != "" {
		t.Errorf("target key defaults to the source key the map produces (-want +got):\n%s", diff)
	}
	got, err := s.Map.Apply(expr.Env{Record: connector.Record{"id": int64(3), "first": "Ada", "last": "L", "city": "delft", "tag": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := connector.Record{
		"id":      int64(3),
		"name":    "Ada L",
		"address": map[string]any{"city": "DELFT", "country": "NL", "zip": nil},
		"tags":    []any{"x", int64(7), true, map[string]any{"k": int64(3)}},
		"literal": map[string]any{"n": int64(3), "list": []any{int64(1), int64(2)}},
		"version": int64(2),
		"ratio":   0.5,
		"flag":    false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Apply (-want +got):\n%s", diff)
	}
}

func TestLoadAnchorsAndMerge(t *testing.T) {
	spec := mustLoad(t, `
		connections:
		  base: &conn {kind: fake, path: ./a.db, retries: 1}
		  other:
		    <<: *conn
		    path: ./b.db
		syncs:
		  - name: s
		    source: {connection: base, stream: a, key: id}
		    targets:
		      - &tgt {connection: other, stream: b, mode: upsert}
		      - <<: *tgt
		        stream: c
	`)
	if diff := cmp.Diff(connector.Settings{"path": "./b.db", "retries": int64(1)}, spec.Connections["other"].Settings); diff != "" {
		t.Errorf("merged settings (-want +got):\n%s", diff)
	}
	ts := spec.Syncs[0].Targets
	if len(ts) != 2 || ts[1].Stream != "c" || ts[1].Mode != ModeUpsert || ts[1].Connection != "other" {
		t.Errorf("targets = %+v, %+v", ts[0], ts[1])
	}
}

func TestLoadUnreadable(t *testing.T) {
	reg, _ := testRegistry()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(missing, reg)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Pos.File != missing {
		t.Fatalf("Load(missing) = %v, want one Error naming the file", err)
	}
	if _, statErr := os.Stat(missing); !os.IsNotExist(statErr) {
		t.Error("Load created the file")
	}
}
