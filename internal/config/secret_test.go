package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw.txt"), []byte("file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "crlf.txt"), []byte("crlf-secret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "two-lines.txt"), []byte("a\nb\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ONEWAY_TEST_PW", "env-secret")
	t.Setenv("ONEWAY_TEST_EMPTY", "")
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${env:ONEWAY_TEST_PW}", want: "env-secret"},
		{in: "postgres://u:${env:ONEWAY_TEST_PW}@h/db", want: "postgres://u:env-secret@h/db"},
		{in: "${file:pw.txt}", want: "file-secret"},
		{in: "${file:" + filepath.Join(dir, "pw.txt") + "}", want: "file-secret"},
		{in: "${file:crlf.txt}", want: "crlf-secret"},
		{in: "${file:two-lines.txt}", want: "a\nb\n"},
		{in: "${env:ONEWAY_TEST_PW}:${file:pw.txt}", want: "env-secret:file-secret"},
		{in: "x${env:ONEWAY_TEST_EMPTY}y", want: "xy"},
		{in: "$${env:ONEWAY_TEST_PW}", want: "${env:ONEWAY_TEST_PW}"},
		{in: "a$${b}c", want: "a${b}c"},
		{in: "$${$${", want: "${${"},
		{in: "cost: $5 {x}", want: "cost: $5 {x}"},
		{in: "$$", want: "$$"},
		{in: "${env:ONEWAY_TEST_UNSET_VAR}", wantErr: "environment variable ONEWAY_TEST_UNSET_VAR is not set"},
		{in: "${env:}", wantErr: "is not a reference oneway knows"},
		{in: "${vault:x}", wantErr: "${vault:x} is not a reference oneway knows"},
		{in: "${file:missing.txt}", wantErr: "cannot read secret file " + filepath.Join(dir, "missing.txt") + ": no such file"},
		{in: "${file:" + os.DevNull + "}", wantErr: "is not a regular file"},
		{in: "abc${env:X", wantErr: "no closing }"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sc := &secrets{dir: dir}
			got, err := sc.resolve(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestSecretFileTooLarge(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, maxSecretFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	sc := &secrets{dir: dir}
	if _, err := sc.resolve("${file:big}"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("resolve of a large file: %v", err)
	}
}

func TestLoadResolvesSecrets(t *testing.T) {
	t.Setenv("ONEWAY_TEST_PW", "p@ss word/1")
	path := writeConfig(t, `
		connections:
		  db:
		    kind: fake
		    dsn: postgres://app:${env:ONEWAY_TEST_PW}@db/app
		    token: ${file:token.txt}
		    headers: {Authorization: 'Bearer ${file:token.txt}', Literal: '$${env:NOT_RESOLVED}'}
		syncs:
		  - name: s
		    source: {connection: db, stream: a, key: id}
		    targets:
		      - connection: db
		        stream: b
		        options: {api_key: '${env:ONEWAY_TEST_PW}', list: ['${file:token.txt}', 3]}
	`)
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "token.txt"), []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, _ := testRegistry()
	spec, err := Load(path, reg)
	if err != nil {
		t.Fatal(err)
	}
	want := connector.Settings{
		"dsn":     "postgres://app:p@ss word/1@db/app",
		"token":   "tok-123",
		"headers": map[string]any{"Authorization": "Bearer tok-123", "Literal": "${env:NOT_RESOLVED}"},
	}
	if diff := cmp.Diff(want, spec.Connections["db"].Settings); diff != "" {
		t.Errorf("Settings (-want +got):\n%s", diff)
	}
	wantOpts := connector.Settings{"api_key": "p@ss word/1", "list": []any{"tok-123", int64(3)}}
	if diff := cmp.Diff(wantOpts, spec.Syncs[0].Targets[0].Options); diff != "" {
		t.Errorf("Options (-want +got):\n%s", diff)
	}

	text := "dsn postgres://app:p@ss word/1@db/app, escaped " + url.QueryEscape("p@ss word/1") +
		" and " + url.PathEscape("p@ss word/1") + ", token tok-123, stream a"
	got := spec.Redact(text)
	if wantText := "dsn postgres://app:***@db/app, escaped *** and ***, token ***, stream a"; got != wantText {
		t.Errorf("Redact = %q, want %q", got, wantText)
	}
	var nilSpec *Spec
	if nilSpec.Redact("x") != "x" {
		t.Error("nil Spec Redact changed the text")
	}
}

// TestSecretsNeverInErrors loads configurations that fail in every place a secret can be involved and
// checks that no error quotes a secret value (a canary) in any form.
func TestSecretsNeverInErrors(t *testing.T) {
	const canary = "c4n4ry/S3cret value@x"
	t.Setenv("ONEWAY_TEST_CANARY", canary)
	forms := []string{canary, url.QueryEscape(canary), url.PathEscape(canary), "c4n4ry"}
	configs := map[string]string{
		"connector quotes the dsn": `
			connections:
			  db: {kind: fake, dsn: 'bad://u:${env:ONEWAY_TEST_CANARY}@h'}
			syncs:
			  - name: s
			    source: {connection: db, stream: a, key: id}
			    targets: [{connection: db, stream: b}]
		`,
		"connector quotes a file secret": `
			connections:
			  db: {kind: fake, dsn: 'bad ${file:canary.txt}'}
			syncs:
			  - name: s
			    source: {connection: db, stream: a, key: id}
			    targets: [{connection: db, stream: b}]
		`,
		"unknown setting beside a secret": `
			connections:
			  db: {kind: fake, password: '${env:ONEWAY_TEST_CANARY}'}
			syncs:
			  - name: s
			    source: {connection: db, stream: a, key: id}
			    targets: [{connection: db, stream: b}]
		`,
		"secret in a setting of the wrong type": `
			connections:
			  db: {kind: fake, retries: '${env:ONEWAY_TEST_CANARY}'}
			syncs:
			  - name: s
			    source: {connection: db, stream: a, key: id}
			    targets: [{connection: db, stream: b}]
		`,
		"other errors beside a resolved secret": `
			connections:
			  db: {kind: fake, token: '${env:ONEWAY_TEST_CANARY}', dsn: '${file:canary.txt}'}
			syncs:
			  - name: s
			    source: {connection: db, stream: a, key: id, detect: nope}
			    filter: lowr(record.x)
			    targets: [{connection: db, stream: b, mode: x, options: {k: '${env:ONEWAY_TEST_CANARY}', bad: '${env:ONEWAY_TEST_UNSET}'}}]
		`,
	}
	for name, src := range configs {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, src)
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), "canary.txt"), []byte(canary+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			reg, _ := testRegistry()
			_, err := Load(path, reg)
			if err == nil {
				t.Fatal("Load succeeded; the case must fail")
			}
			for _, f := range forms {
				if strings.Contains(err.Error(), f) {
					t.Errorf("error text contains the secret (%q):\n%v", f, err)
				}
			}
		})
	}
}
