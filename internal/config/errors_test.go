package config

import (
	"errors"
	"strings"
	"testing"
)

// base is a valid configuration; the cases below break one thing each. Its lines:
//
//	1 connections:
//	2   src: {kind: fake, path: ./src.db}
//	3   dst: {kind: fake, path: ./dst.db}
//	4 syncs:
//	5   - name: s1
//	6     source:
//	7       connection: src
//	8       stream: persons
//	9       key: [id]
//	10    targets:
//	11      - connection: dst
//	12        stream: people
const base = `connections:
  src: {kind: fake, path: ./src.db}
  dst: {kind: fake, path: ./dst.db}
syncs:
  - name: s1
    source:
      connection: src
      stream: persons
      key: [id]
    targets:
      - connection: dst
        stream: people
`

// edit returns base with old replaced by new (which must occur exactly once).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if strings.Count(base, old) != 1 {
		t.Fatalf("%q occurs %d times in base", old, strings.Count(base, old))
	}
	return strings.Replace(base, old, new, 1)
}

func TestBaseIsValid(t *testing.T) {
	if _, err := load(t, base); err != nil {
		t.Fatal(err)
	}
}

type wantErr struct {
	line, col int // col 0: any column
	path, msg string
}

func checkErrors(t *testing.T, err error, want ...wantErr) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error = %v (%T), want config.Errors", err, err)
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			if e.Pos.Line == w.line && (w.col == 0 || e.Pos.Column == w.col) && e.Path == w.path && strings.Contains(e.Msg, w.msg) {
				found = true
			}
			if e.Pos.File == "" {
				t.Errorf("error without a file: %v", e)
			}
		}
		if !found {
			t.Errorf("no error at line %d col %d path %q containing %q; got:\n%v", w.line, w.col, w.path, w.msg, err)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Setenv("ONEWAY_TEST_SET", "value")
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"malformed yaml", edit(t, "key: [id]", "key: [id"), []wantErr{{10, 5, "", "invalid YAML"}}},
		{"tab indentation", edit(t, "      stream: persons\n", "\tstream: people\n"), []wantErr{{8, 0, "", "invalid YAML"}}},
		{"duplicate key", edit(t, "      stream: persons\n", "      stream: persons\n      stream: other\n"), []wantErr{{9, 0, "", "already defined"}}},
		{"empty", "", []wantErr{{0, 0, "", "the configuration is empty"}}},
		{"comments only", "# nothing\n", []wantErr{{0, 0, "", "the configuration is empty"}}},
		{"not a mapping", "- a\n- b\n", []wantErr{{1, 1, "", "must be a mapping"}}},
		{"two documents", base + "---\nstate: x\n", []wantErr{{14, 0, "", "second YAML document"}}},
		{"unknown top-level key", "stat: x\n" + base, []wantErr{{1, 1, "stat", `unknown key "stat" (known: state, `}}},
		{"unknown source key", edit(t, "      key: [id]", "      key: [id]\n      keys: [id]"), []wantErr{{10, 7, "syncs[0].source.keys", `unknown key "keys"`}}},
		{"unknown target key", edit(t, "        stream: people\n", "        stream: people\n        mdoe: mirror\n"), []wantErr{{13, 9, "syncs[0].targets[0].mdoe", `unknown key "mdoe"`}}},
		{"unknown mode", edit(t, "        stream: people\n", "        stream: people\n        mode: mirorr\n"), []wantErr{{13, 15, "syncs[0].targets[0].mode", `unknown mode "mirorr" (want mirror, upsert, update, create or append)`}}},
		{"unknown mode adds no other errors", edit(t, "        stream: people\n", "        stream: people\n        mode: mirorr\n        on_delete: soft\n"), []wantErr{{13, 15, "syncs[0].targets[0].mode", "unknown mode"}}},
		{"unknown on_delete adds no other errors", edit(t, "        stream: people\n", "        stream: people\n        on_delete: sfot\n        soft_delete: {active: false}\n"), []wantErr{{13, 20, "syncs[0].targets[0].on_delete", "unknown on_delete"}}},
		{"unknown detect adds no other errors", edit(t, "key: [id]", "key: [id]\n      detect: cursr\n      cursor: at\n      lookback: 5m"), []wantErr{{10, 15, "syncs[0].source.detect", "unknown detect"}}},
		{"unknown detect", edit(t, "      key: [id]", "      key: [id]\n      detect: cdc"), []wantErr{{10, 15, "syncs[0].source.detect", `unknown detect "cdc" (want snapshot or cursor)`}}},
		{"missing connections", "syncs: []\n", []wantErr{{1, 0, "connections", "is required"}, {1, 8, "syncs", "is empty: list at least one sync"}}},
		{"missing syncs", "connections:\n  c: {kind: fake}\n", []wantErr{{1, 0, "syncs", "is required"}}},
		{"unknown kind", edit(t, "{kind: fake, path: ./src.db}", "{kind: fakee, path: ./src.db}"), []wantErr{{2, 0, "connections.src.kind", `unknown connection kind "fakee" (known: fake, readonly, writeonly)`}}},
		{"missing kind", edit(t, "{kind: fake, path: ./src.db}", "{path: ./src.db}"), []wantErr{{2, 0, "connections.src.kind", "is required"}}},
		{"connection not a mapping", edit(t, "{kind: fake, path: ./src.db}", "fake"), []wantErr{{2, 8, "connections.src", "must be a mapping"}}},
		{"bad connection name", edit(t, "  dst: {kind: fake, path: ./dst.db}", "  Dst: {kind: fake, path: ./dst.db}\n  dst: {kind: fake}"), []wantErr{{3, 3, "connections.Dst", "lowercase letters"}}},
		{"setting error at its line", edit(t, "  src: {kind: fake, path: ./src.db}", "  src:\n    kind: fake\n    path: ./src.db\n    dsn: bad-dsn"), []wantErr{{5, 5, "connections.src.dsn", "cannot parse"}}},
		{"unknown setting", edit(t, "  src: {kind: fake, path: ./src.db}", "  src:\n    kind: fake\n    pth: ./src.db"), []wantErr{{4, 5, "connections.src.pth", "unknown setting"}}},
		{"setting of the wrong type", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, retries: many}"), []wantErr{{2, 0, "connections.src.retries", "must be a whole number"}}},
		{"nested setting error", edit(t, "  src: {kind: fake, path: ./src.db}", "  src:\n    kind: fake\n    headers:\n      ok: 1\n      fail: yes"), []wantErr{{6, 7, "connections.src.headers.fail", "header rejected"}}},
		{"connector error without a key", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, dsn: plain-error}"), []wantErr{{2, 3, "connections.src", "connector refuses src"}}},
		{"unknown source connection", edit(t, "connection: src", "connection: sr"), []wantErr{{7, 19, "syncs[0].source.connection", `unknown connection "sr" (defined: dst, src)`}}},
		{"unknown target connection", edit(t, "connection: dst", "connection: dts"), []wantErr{{11, 21, "syncs[0].targets[0].connection", `unknown connection "dts"`}}},
		{"missing source", edit(t, "    source:\n      connection: src\n      stream: persons\n      key: [id]\n", ""), []wantErr{{5, 0, "syncs[0].source", "is required"}}},
		{"missing stream", edit(t, "      stream: persons\n", ""), []wantErr{{7, 7, "syncs[0].source.stream", "is required"}}},
		{"empty stream", edit(t, "      stream: persons\n", "      stream: ''\n"), []wantErr{{8, 15, "syncs[0].source.stream", "must not be empty"}}},
		{"stream not text", edit(t, "      stream: persons\n", "      stream: [a]\n"), []wantErr{{8, 15, "syncs[0].source.stream", "must be text, not a list"}}},
		{"missing key", edit(t, "      key: [id]\n", ""), []wantErr{{7, 7, "syncs[0].source.key", "is required"}}},
		{"empty key", edit(t, "key: [id]", "key: []"), []wantErr{{9, 12, "syncs[0].source.key", "at least one field"}}},
		{"duplicate key field", edit(t, "key: [id]", "key: [id, id]"), []wantErr{{9, 17, "syncs[0].source.key[1]", `"id" is listed twice`}}},
		{"empty key field", edit(t, "key: [id]", "key: [id, '']"), []wantErr{{9, 17, "syncs[0].source.key[1]", "must not be empty"}}},
		{"missing sync name", edit(t, "  - name: s1\n    source:", "  - source:"), []wantErr{{5, 0, "syncs[0].name", "is required"}}},
		{"bad sync name", edit(t, "name: s1", "name: 'Hired to HRIS'"), []wantErr{{5, 11, "syncs[0].name", "lowercase letters"}}},
		{"duplicate sync name", base + "  - name: s1\n    source: {connection: src, stream: a, key: id}\n    targets: [{connection: dst, stream: b}]\n", []wantErr{{13, 0, "syncs[1].name", `"s1" is already used at line 5`}}},
		{"syncs not a list", "connections:\n  c: {kind: fake}\nsyncs:\n  name: s\n", []wantErr{{4, 3, "syncs", "must be a list of at least one sync, not a mapping"}}},
		{"cursor required", edit(t, "key: [id]", "key: [id]\n      detect: cursor"), []wantErr{{7, 7, "syncs[0].source.cursor", "is required with detect: cursor"}}},
		{"cursor with snapshot", edit(t, "key: [id]", "key: [id]\n      cursor: [updated_at]\n      lookback: 5m"), []wantErr{{10, 7, "syncs[0].source.cursor", "only used with detect: cursor"}, {11, 7, "syncs[0].source.lookback", "only used with detect: cursor"}}},
		{"reconcile with snapshot", edit(t, "key: [id]", "key: [id]\n      reconcile_every: 1h"), []wantErr{{10, 7, "syncs[0].source.reconcile_every", "only used with detect: cursor"}}},
		{"bad duration", edit(t, "key: [id]", "key: [id]\n      detect: cursor\n      cursor: at\n      lookback: 10 minutes"), []wantErr{{12, 17, "syncs[0].source.lookback", `"10 minutes" is not a duration`}}},
		{"negative duration", edit(t, "key: [id]", "key: [id]\n      detect: cursor\n      cursor: at\n      reconcile_every: -1h"), []wantErr{{12, 24, "syncs[0].source.reconcile_every", "is not a duration"}}},
		{"zero batch size", edit(t, "key: [id]", "key: [id]\n      batch_size: 0"), []wantErr{{10, 19, "syncs[0].source.batch_size", "between 1 and"}}},
		{"batch size not a number", edit(t, "        stream: people\n", "        stream: people\n        batch_size: lots\n"), []wantErr{{13, 21, "syncs[0].targets[0].batch_size", "whole number"}}},
		{"on_delete without mirror", edit(t, "        stream: people\n", "        stream: people\n        mode: upsert\n        on_delete: delete\n"), []wantErr{{14, 9, "syncs[0].targets[0].on_delete", "only used with mode: mirror"}}},
		{"max_delete_ratio without mirror", edit(t, "        stream: people\n", "        stream: people\n        mode: create\n        max_delete_ratio: 0.1\n"), []wantErr{{14, 9, "syncs[0].targets[0].max_delete_ratio", "only used with mode: mirror"}}},
		{"unknown on_delete", edit(t, "        stream: people\n", "        stream: people\n        on_delete: archive\n"), []wantErr{{13, 20, "syncs[0].targets[0].on_delete", `unknown on_delete "archive" (want delete, soft or ignore)`}}},
		{"soft_delete required", edit(t, "        stream: people\n", "        stream: people\n        on_delete: soft\n"), []wantErr{{11, 9, "syncs[0].targets[0].soft_delete", "is required with on_delete: soft"}}},
		{"soft_delete without soft", edit(t, "        stream: people\n", "        stream: people\n        soft_delete: {active: false}\n"), []wantErr{{13, 9, "syncs[0].targets[0].soft_delete", "only used with on_delete: soft"}}},
		{"soft_delete of the key", edit(t, "        stream: people\n", "        stream: people\n        on_delete: soft\n        soft_delete: {id: 0}\n"), []wantErr{{14, 23, "syncs[0].targets[0].soft_delete.id", "must not change the key"}}},
		{"soft_delete not a mapping", edit(t, "        stream: people\n", "        stream: people\n        on_delete: soft\n        soft_delete: inactive\n"), []wantErr{{14, 22, "syncs[0].targets[0].soft_delete", "must be a mapping"}}},
		{"ratio above 1", edit(t, "        stream: people\n", "        stream: people\n        max_delete_ratio: 1.5\n"), []wantErr{{13, 27, "syncs[0].targets[0].max_delete_ratio", "between 0 and 1"}}},
		{"ratio not a number", edit(t, "        stream: people\n", "        stream: people\n        max_delete_ratio: half\n"), []wantErr{{13, 27, "syncs[0].targets[0].max_delete_ratio", "must be a number"}}},
		{"duplicate target", edit(t, "        stream: people\n", "        stream: people\n      - connection: dst\n        stream: people\n"), []wantErr{{13, 9, "syncs[0].targets[1]", "target dst/people is already written by this sync at line 11"}}},
		{"no targets", edit(t, "    targets:\n      - connection: dst\n        stream: people\n", "    targets: []\n"), []wantErr{{10, 14, "syncs[0].targets", "is empty: list at least one target"}}},
		{"missing targets", edit(t, "    targets:\n      - connection: dst\n        stream: people\n", ""), []wantErr{{5, 0, "syncs[0].targets", "is required"}}},
		{"missing target stream", edit(t, "        stream: people\n", "        mode: upsert\n"), []wantErr{{11, 0, "syncs[0].targets[0].stream", "is required"}}},
		{"create_table not a bool", edit(t, "        stream: people\n", "        stream: people\n        create_table: maybe\n"), []wantErr{{13, 23, "syncs[0].targets[0].create_table", "must be true or false"}}},
		{"create_table twice", edit(t, "        stream: people\n", "        stream: people\n        create_table: true\n        options: {create_table: false}\n"), []wantErr{{14, 19, "syncs[0].targets[0].options.create_table", "create_table is already set on the target"}}},
		{"options not a mapping", edit(t, "        stream: people\n", "        stream: people\n        options: [a]\n"), []wantErr{{13, 18, "syncs[0].targets[0].options", "must be a mapping"}}},
		{"readonly as target", edit(t, "  dst: {kind: fake, path: ./dst.db}", "  dst: {kind: readonly}"), []wantErr{{11, 21, "syncs[0].targets[0].connection", "cannot be written to"}}},
		{"writeonly as source", edit(t, "  src: {kind: fake, path: ./src.db}", "  src: {kind: writeonly}"), []wantErr{{7, 19, "syncs[0].source.connection", "cannot be read from"}}},
		{"readonly by cursor", strings.NewReplacer("  src: {kind: fake, path: ./src.db}", "  src: {kind: readonly}", "key: [id]", "key: [id]\n      detect: cursor\n      cursor: [at]").Replace(base), []wantErr{{10, 15, "syncs[0].source.detect", "cannot read by cursor"}}},
		{"filter syntax", edit(t, "    targets:", "    filter: record.status ==\n    targets:"), []wantErr{{10, 13, "syncs[0].filter", "does not compile: unexpected token"}}},
		{"filter unknown function", edit(t, "    targets:", "    filter: lowr(record.x) == 'a'\n    targets:"), []wantErr{{10, 13, "syncs[0].filter", "unknown name lowr"}}},
		{"filter not boolean", edit(t, "    targets:", "    filter: lower(record.status)\n    targets:"), []wantErr{{10, 13, "syncs[0].filter", "expected bool"}}},
		{"filter not text", edit(t, "    targets:", "    filter: [a]\n    targets:"), []wantErr{{10, 13, "syncs[0].filter", "must be text"}}},
		{"map error", edit(t, "    targets:", "    map:\n      id: record.id\n      email: lowr(record.email)\n    targets:"), []wantErr{{12, 14, "syncs[0].map.email", "does not compile: unknown name lowr"}}},
		{"nested map error", edit(t, "    targets:", "    map:\n      id: record.id\n      address:\n        city: record.city +\n    targets:"), []wantErr{{13, 15, "syncs[0].map.address.city", "unexpected token"}}},
		{"map list error", edit(t, "    targets:", "    map:\n      id: record.id\n      tags: [record.a, now()]\n    targets:"), []wantErr{{12, 24, "syncs[0].map.tags[1]", "now() is not available"}}},
		{"map block scalar error line", edit(t, "    targets:", "    map:\n      id: record.id\n      name: |\n        concat_ws(\" \",\n          record.first,\n          lowr(record.last))\n    targets:"), []wantErr{{15, 0, "syncs[0].map.name", "unknown name lowr"}}},
		{"map not a mapping", edit(t, "    targets:", "    map: record\n    targets:"), []wantErr{{10, 10, "syncs[0].map", "must be a mapping"}}},
		{"map constant NaN", edit(t, "    targets:", "    map:\n      id: record.id\n      x: .nan\n    targets:"), []wantErr{{12, 10, "syncs[0].map.x", "no canonical form"}}},
		{"target is its own source", strings.NewReplacer("      - connection: dst\n", "      - connection: src\n", "        stream: people\n", "        stream: persons\n").Replace(base), []wantErr{{11, 9, "syncs[0].targets[0]", "is the sync's own source"}}},
		{"match not mapped", strings.NewReplacer("    targets:", "    map:\n      id: record.id\n    targets:", "        stream: people\n", "        stream: people\n        match: [email]\n").Replace(base), []wantErr{{15, 16, "syncs[0].targets[0].match", `field "email" is not produced by the map (it produces id)`}}},
		{"bad rate limit", strings.Replace(base, "        stream: people\n", "        stream: people\n        rate_limit: fast\n", 1), []wantErr{{13, 21, "syncs[0].targets[0].rate_limit", `must be a rate such as 50/s`}}},
		{"bad delivery", strings.Replace(base, "        stream: people\n", "        stream: people\n        delivery: twice\n", 1), []wantErr{{13, 19, "syncs[0].targets[0].delivery", `twice`}}},
		{"target key not mapped", strings.NewReplacer("    targets:", "    map:\n      id: record.id\n    targets:", "        stream: people\n", "        stream: people\n        key: [email]\n").Replace(base), []wantErr{{15, 14, "syncs[0].targets[0].key", `field "email" is not produced by the map (it produces id)`}}},
		{"target key required with map", edit(t, "    targets:", "    map:\n      person_id: record.id\n    targets:"), []wantErr{{13, 9, "syncs[0].targets[0].key", "is required because the map does not produce the source key field id"}}},
		{"missing env secret", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, dsn: 'pg://u:${env:ONEWAY_TEST_UNSET}@h'}"), []wantErr{{2, 26, "connections.src.dsn", "${env:ONEWAY_TEST_UNSET}: environment variable ONEWAY_TEST_UNSET is not set"}}},
		{"missing file secret", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, token: '${file:./no-such-token}'}"), []wantErr{{2, 28, "connections.src.token", "${file:./no-such-token}: cannot read secret file"}}},
		{"secret file is a directory", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, token: '${file:.}'}"), []wantErr{{2, 28, "connections.src.token", "not a regular file"}}},
		{"unknown reference", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, token: '${ENV:X}'}"), []wantErr{{2, 28, "connections.src.token", "${ENV:X} is not a reference oneway knows"}}},
		{"unterminated reference", edit(t, "{kind: fake, path: ./src.db}", "{kind: fake, token: 'a${env:X'}"), []wantErr{{2, 28, "connections.src.token", "no closing }"}}},
		{"secret in target options", edit(t, "        stream: people\n", "        stream: people\n        options:\n          token: ${env:ONEWAY_TEST_UNSET}\n"), []wantErr{{14, 18, "syncs[0].targets[0].options.token", "is not set"}}},
		{"alias without anchor", edit(t, "key: [id]", "key: *nokey"), []wantErr{{9, 12, "", "alias *nokey has no anchor"}}},
		{"unsupported tag", edit(t, "stream: persons\n", "stream: !custom persons\n"), []wantErr{{8, 15, "", `unsupported YAML tag "!custom"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src)
			if err == nil {
				t.Fatalf("Load succeeded, want errors %+v\n%s", tt.want, tt.src)
			}
			checkErrors(t, err, tt.want...)
		})
	}
}
