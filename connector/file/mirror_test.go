package file

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func create(key []any, r connector.Record) connector.Change {
	return connector.Change{Action: connector.Create, Key: key, Record: r}
}

func change(a connector.Action, key []any, r connector.Record) connector.Change {
	return connector.Change{Action: a, Key: key, Record: r}
}

// applyAll applies batch and fails the test on any error, whole-batch or per record.
func applyAll(t *testing.T, w connector.Writer, batch ...connector.Change) {
	t.Helper()
	res, err := w.Apply(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("change %d: %v", i, r.Err)
		}
	}
}

func TestMirrorWrite(t *testing.T) {
	k := func(v any) []any { return []any{v} }
	tests := []struct {
		name     string
		kind     string
		settings connector.Settings
		existing string // "" for no file
		req      connector.WriteRequest
		batch    []connector.Change
		want     string
	}{
		{
			name: "jsonl new file, sorted by key numerically", kind: "jsonl",
			req: connector.WriteRequest{Key: []string{"id"}},
			batch: []connector.Change{
				create(k(int64(10)), connector.Record{"id": int64(10), "name": "Ten"}),
				create(k(int64(2)), connector.Record{"id": int64(2), "name": "Two", "tags": []any{"a"}}),
				create(k(int64(-1)), connector.Record{"name": "Minus", "n": nil}),
			},
			want: `{"id":-1,"n":null,"name":"Minus"}` + "\n" + `{"id":2,"name":"Two","tags":["a"]}` + "\n" + `{"id":10,"name":"Ten"}` + "\n",
		},
		{
			name: "jsonl upsert, merge, delete, soft delete", kind: "jsonl",
			existing: `{"id":1,"name":"Ada","extra":"keep"}` + "\n" + `{"id":2,"name":"Bob"}` + "\n" + `{"id":3,"name":"Cy","active":true}` + "\n",
			req:      connector.WriteRequest{Key: []string{"id"}},
			batch: []connector.Change{
				create(k(int64(2)), connector.Record{"id": int64(2), "name": "Bobby"}),                 // replaces
				change(connector.Update, k(int64(1)), connector.Record{"id": int64(1), "name": "Ava"}), // merges
				change(connector.SoftDelete, k(int64(3)), connector.Record{"active": false}),
				change(connector.Delete, k(int64(8)), nil), // absent: fine
				create(k(int64(4)), connector.Record{"id": int64(4), "name": "Di"}),
				change(connector.Update, k(int64(4)), connector.Record{"id": int64(4), "name": "Dee"}), // created earlier in the batch
			},
			want: `{"extra":"keep","id":1,"name":"Ava"}` + "\n" + `{"id":2,"name":"Bobby"}` + "\n" +
				`{"active":false,"id":3,"name":"Cy"}` + "\n" + `{"id":4,"name":"Dee"}` + "\n",
		},
		{
			name: "jsonl delete everything leaves an empty file", kind: "jsonl",
			existing: `{"id":1}` + "\n",
			req:      connector.WriteRequest{Key: []string{"id"}},
			batch:    []connector.Change{change(connector.Delete, k(int64(1)), nil)},
			want:     "",
		},
		{
			name: "csv typed values, key first, union of columns", kind: "csv",
			req: connector.WriteRequest{Key: []string{"id"}},
			batch: []connector.Change{
				create(k(int64(2)), connector.Record{"id": int64(2), "score": 1.5, "active": true, "note": nil}),
				create(k(int64(10)), connector.Record{"id": int64(10), "name": "a,b", "obj": map[string]any{"z": int64(1)}}),
			},
			want: "id,active,name,note,obj,score\n2,true,,,,1.5\n10,,\"a,b\",,\"{\"\"z\"\":1}\",\n",
		},
		{
			name: "csv existing file: keys match as text, Fields add columns", kind: "csv",
			existing: "id,name\n1,Ada\n2,Bob\n",
			req:      connector.WriteRequest{Key: []string{"id"}, Fields: []string{"id", "name", "zeta"}},
			batch: []connector.Change{
				change(connector.Update, k(int64(1)), connector.Record{"id": int64(1), "name": "Ava"}),
				change(connector.Delete, k(int64(2)), nil),
			},
			want: "id,name,zeta\n1,Ava,\n",
		},
		{
			name: "csv composite key, semicolon, null marker", kind: "csv",
			settings: connector.Settings{"delimiter": ";", "null": `\N`},
			req:      connector.WriteRequest{Key: []string{"org", "id"}},
			batch: []connector.Change{
				create([]any{"b", int64(1)}, connector.Record{"org": "b", "id": int64(1), "v": nil}),
				create([]any{"a", int64(2)}, connector.Record{"org": "a", "id": int64(2), "v": ""}),
			},
			want: "org;id;v\na;2;\nb;1;\\N\n",
		},
		{
			name: "csv order: whole numbers numerically first, then text", kind: "csv",
			req: connector.WriteRequest{Key: []string{"k"}},
			batch: []connector.Change{
				create(k("b"), connector.Record{"k": "b"}), create(k("10"), connector.Record{"k": "10"}),
				create(k("B"), connector.Record{"k": "B"}), create(k("-3"), connector.Record{"k": "-3"}),
				create(k("a"), connector.Record{"k": "a"}), create(k("9"), connector.Record{"k": "9"}),
				create(k("1.5"), connector.Record{"k": "1.5"}),
			},
			want: "k\n-3\n9\n10\n1.5\nB\na\nb\n",
		},
		{
			name: "csv without header row uses Fields", kind: "csv",
			settings: connector.Settings{"header": false},
			existing: "1,Ada\n",
			req:      connector.WriteRequest{Key: []string{"id"}, Fields: []string{"id", "name"}},
			batch:    []connector.Change{create(k(int64(0)), connector.Record{"id": int64(0), "name": "Zed"})},
			want:     "0,Zed\n1,Ada\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out."+tt.kind)
			if tt.existing != "" {
				writeFile(t, path, tt.existing)
			}
			s := connector.Settings{"path": "."}
			for k, v := range tt.settings {
				s[k] = v
			}
			c := open(t, tt.kind, dir, s)
			req := tt.req
			req.Stream = "out"
			w, err := c.OpenWriter(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			applyAll(t, w, tt.batch...)
			if err := w.(connector.Committer).Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != tt.want {
				t.Fatalf("file:\n%s\nwant:\n%s", got, tt.want)
			}
			if diff := cmp.Diff([]string{"out." + tt.kind}, listDir(t, dir)); diff != "" {
				t.Fatalf("folder (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMirrorRoundTripJSONLTypes(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	rec := connector.Record{"id": int64(1), "f": 0.25, "whole": 3.0, "b": false, "n": nil, "s": "é\n",
		"big": uint64(math.MaxUint64), "l": []any{int64(1), map[string]any{"x": "y"}}}
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "r", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, w, create([]any{int64(1)}, rec))
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	got, err := readAll(t, c, "r", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := connector.Record{"id": int64(1), "f": 0.25, "whole": int64(3), "b": false, "n": nil, "s": "é\n",
		"big": json.Number("18446744073709551615"), "l": []any{int64(1), map[string]any{"x": "y"}}}
	if diff := cmp.Diff([]connector.Record{want}, got); diff != "" {
		t.Fatalf("read back (-want +got):\n%s", diff)
	}
}

// TestMirrorCloseWithoutCommit is the failure before Commit: the original file must be intact and no
// temporary file left.
func TestMirrorCloseWithoutCommit(t *testing.T) {
	for _, kind := range []string{"csv", "jsonl"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "p."+kind)
			orig := map[string]string{"csv": "id,name\n1,Ada\n", "jsonl": `{"id":"1","name":"Ada"}` + "\n"}[kind]
			writeFile(t, path, orig)
			c := open(t, kind, dir, connector.Settings{"path": "."})
			w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			applyAll(t, w,
				change(connector.Delete, []any{"1"}, nil),
				create([]any{"2"}, connector.Record{"id": "2", "name": "Bob"}))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != orig {
				t.Fatalf("file changed without Commit: %q", got)
			}
			if diff := cmp.Diff([]string{"p." + kind}, listDir(t, dir)); diff != "" {
				t.Fatalf("folder (-want +got):\n%s", diff)
			}
			if _, err := w.Apply(context.Background(), nil); err == nil {
				t.Fatal("Apply after Close succeeded")
			}
			if err := w.(connector.Committer).Commit(context.Background()); err == nil {
				t.Fatal("Commit after Close succeeded")
			}
		})
	}
}

// TestWriteAtomicFailure fails the write half-way, as a full disk would: the original stays and the
// temporary file is removed.
func TestWriteAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.jsonl")
	writeFile(t, path, "original\n")
	boom := errors.New("disk full")
	err := writeAtomic(path, 0o644, func(w io.Writer) error {
		if _, err := io.WriteString(w, strings.Repeat("new\n", 100_000)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if got := readFile(t, path); got != "original\n" {
		t.Fatalf("file changed: %q", got[:20])
	}
	if diff := cmp.Diff([]string{"p.jsonl"}, listDir(t, dir)); diff != "" {
		t.Fatalf("folder (-want +got):\n%s", diff)
	}
}

func TestMirrorCommitCanceled(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	applyAll(t, w, create([]any{int64(1)}, connector.Record{"id": int64(1)}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.(connector.Committer).Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a canceled context: %v", err)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("a failed Commit left %v", names)
	}
	// The writer is still usable: a later Commit writes, and so does one after more changes.
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	applyAll(t, w, create([]any{int64(2)}, connector.Record{"id": int64(2)}))
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "p.jsonl")); got != "{\"id\":1}\n{\"id\":2}\n" {
		t.Fatalf("file %q", got)
	}
}

func TestMirrorKeepsPermissionsAndRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.jsonl")
	writeFile(t, path, `{"id":1}`+"\n")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".p.jsonl.oneway-123.tmp")
	writeFile(t, stale, "left by a killed run")
	other := filepath.Join(dir, ".p.jsonl.swp")
	writeFile(t, other, "not ours")
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("removed a file that is not oneway's: %v", err)
	}
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600 kept", fi.Mode().Perm())
	}
}

func TestMirrorRejectsBadChanges(t *testing.T) {
	for _, kind := range []string{"csv", "jsonl"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			c := open(t, kind, dir, connector.Settings{"path": "."})
			w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			batch := []connector.Change{
				create([]any{int64(1)}, connector.Record{"id": int64(1), "name": "ok"}),
				create([]any{int64(1), int64(2)}, connector.Record{"id": int64(1)}),
				create([]any{nil}, connector.Record{"id": nil}),
				create([]any{int64(3)}, connector.Record{"id": int64(4)}),
				create([]any{int64(5)}, connector.Record{"id": int64(5), "bad": math.NaN()}),
				{Action: connector.Unchanged, Key: []any{int64(6)}},
				create([]any{int64(7)}, connector.Record{"id": int64(7), "name": "ok too"}),
			}
			res, err := w.Apply(context.Background(), batch)
			if err != nil {
				t.Fatal(err)
			}
			wantOK := []bool{true, false, false, false, false, false, true}
			for i, r := range res {
				if (r.Err == nil) != wantOK[i] {
					t.Errorf("change %d: err %v, want ok=%v", i, r.Err, wantOK[i])
				}
			}
			if err := w.(connector.Committer).Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, c, "p", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("read back %v, want the two valid records", got)
			}
		})
	}
}

func TestMirrorUpdateAbsentIsNotFound(t *testing.T) {
	for _, kind := range []string{"csv", "jsonl"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			c := open(t, kind, dir, connector.Settings{"path": "."})
			w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			res, err := w.Apply(context.Background(), []connector.Change{
				change(connector.Update, []any{int64(1)}, connector.Record{"id": int64(1), "name": "ghost"}),
				change(connector.SoftDelete, []any{int64(2)}, connector.Record{"active": false}),
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if !errors.Is(r.Err, connector.ErrNotFound) {
					t.Errorf("change %d: %v, want ErrNotFound", i, r.Err)
				}
			}
			if err := w.(connector.Committer).Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got, err := readAll(t, c, "p", 0); err != nil || len(got) != 0 {
				t.Fatalf("read back %v, %v; want no records", got, err)
			}
		})
	}
}

func TestMirrorCSVRejectsUnnamedField(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Apply(context.Background(), []connector.Change{
		create([]any{"1"}, connector.Record{"id": "1", "": "x"}),
		create([]any{"2"}, connector.Record{"id": "2", "\uFEFFname": "x"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, res[0].Err, "empty name")
	wantErr(t, res[1].Err, "byte order mark")
}

func TestMirrorLoadErrors(t *testing.T) {
	tests := []struct {
		name, kind, existing string
		wantErrs             []string
	}{
		{"duplicate key", "jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":1.0}\n", []string{"p.jsonl:3:", "[1]", "first on line 1"}},
		{"missing key", "csv", "name\nAda\n", []string{"p.csv:2:", `"id"`, "needs its key"}},
		{"malformed", "csv", "id,name\n1\n", []string{"p.csv:2:", "wrong number of fields"}},
		{"null key", "jsonl", "{\"id\":null}\n", []string{"p.jsonl:1:", "null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "p."+tt.kind), tt.existing)
			c := open(t, tt.kind, dir, connector.Settings{"path": "."})
			_, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "p", Key: []string{"id"}})
			wantErr(t, err, tt.wantErrs...)
		})
	}
}

func TestOpenWriterErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "folder", "a.csv"), "id\n1\n")
	tests := []struct {
		name     string
		settings connector.Settings
		req      connector.WriteRequest
		wantErrs []string
	}{
		{"missing folder", connector.Settings{"path": "nowhere"}, connector.WriteRequest{Stream: "p", Key: []string{"id"}},
			[]string{"folder " + filepath.Join(dir, "nowhere"), "does not exist", "create it"}},
		{"missing sub-folder", connector.Settings{"path": "."}, connector.WriteRequest{Stream: "sub/p", Key: []string{"id"}},
			[]string{"folder " + filepath.Join(dir, "sub"), "does not exist"}},
		{"stream is a folder", connector.Settings{"path": "."}, connector.WriteRequest{Stream: "folder", Key: []string{"id"}},
			[]string{"is a folder", "one file"}},
		{"no key", connector.Settings{"path": "."}, connector.WriteRequest{Stream: "p"}, []string{"needs a key"}},
		{"unknown option", connector.Settings{"path": "."}, connector.WriteRequest{Stream: "p", Key: []string{"id"},
			Options: connector.Settings{"truncate": true}}, []string{"truncate", "unknown setting"}},
		{"bad create_table", connector.Settings{"path": "."}, connector.WriteRequest{Stream: "p", Key: []string{"id"},
			Options: connector.Settings{"create_table": "yes"}}, []string{"create_table"}},
		{"no header, no fields", connector.Settings{"path": ".", "header": false}, connector.WriteRequest{Stream: "p", Key: []string{"id"}},
			[]string{"header row", "map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, "csv", dir, tt.settings)
			w, err := c.OpenWriter(context.Background(), tt.req)
			if err == nil {
				_ = w.Close()
			}
			wantErr(t, err, tt.wantErrs...)
		})
	}
	// create_table is accepted (files are always created).
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "new", Key: []string{"id"},
		Options: connector.Settings{"create_table": true}})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
}

// TestMirrorOrderIsStable writes records whose keys come from the engine as a time and as whole floats,
// then rewrites the file after loading it back (where the keys are strings and int64s): the order must
// not change.
func TestMirrorOrderIsStable(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	req := connector.WriteRequest{Stream: "p", Key: []string{"k"}}
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, w,
		create([]any{10.0}, connector.Record{"k": 10.0}),
		create([]any{t0}, connector.Record{"k": t0}),
		create([]any{int64(9)}, connector.Record{"k": int64(9)}),
		create([]any{"2023"}, connector.Record{"k": "2023"}),
		create([]any{"!"}, connector.Record{"k": "!"}),
	)
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	path := filepath.Join(dir, "p.jsonl")
	first := readFile(t, path)
	want := `{"k":9}` + "\n" + `{"k":10}` + "\n" + `{"k":"2023"}` + "\n" + `{"k":"!"}` + "\n" + `{"k":"2024-01-02T03:04:05Z"}` + "\n"
	if first != want {
		t.Fatalf("file:\n%s\nwant:\n%s", first, want)
	}
	w, err = c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	applyAll(t, w, create([]any{t0}, connector.Record{"k": t0})) // the same record again, as the engine sends it
	if err := w.(connector.Committer).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != first {
		t.Fatalf("rewrite changed the order:\n%s\nwant:\n%s", got, first)
	}
}

// A file target adopts existing records by key only: another match is refused, not ignored.
func TestMatchOtherThanTheKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"jsonl", "csv"} {
		c := open(t, kind, dir, connector.Settings{"path": dir})
		_, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "out." + kind, Key: []string{"id"}, Match: []string{"email"}})
		if !errors.Is(err, connector.ErrUnsupported) {
			t.Fatalf("%s: OpenWriter with match [email]: %v, want ErrUnsupported", kind, err)
		}
	}
}

// A decimal key not in its shortest form (1.50, 2.0, as a json.Number from a DECIMAL column) is filed
// as the file will read it back, so the next run's update finds it instead of adding a second line.
func TestJSONLDecimalKeysAreFoundAfterAReload(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	write := func(action connector.Action, key json.Number, name string) {
		t.Helper()
		w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "r", Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		res, err := w.Apply(context.Background(), []connector.Change{{Action: action, Key: []any{key}, Record: connector.Record{"id": key, "name": name}}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("%v %s: %v %v", action, key, err, res[0].Err)
		}
		if err := w.(connector.Committer).Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []json.Number{"1.50", "2.0", "1E2"} {
		write(connector.Create, key, "first")
		write(connector.Update, key, "second")
	}
	got, err := readAll(t, c, "r", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d records, want 3: %v", len(got), got)
	}
	for _, r := range got {
		if r["name"] != "second" {
			t.Fatalf("record %v was not updated", r)
		}
	}
}

// A float key of a CSV mirror is written as the text its key gives back: 2e6 comes back from the
// ledger as the number 2000000, and "2e+06" in the record was refused as disagreeing with it.
func TestCSVFloatKeysAgreeWithTheirRecord(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "r.csv", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	key, err := connector.DecodeKey(`[2000000]`) // as the engine has it from the ledger
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, w, create(key, connector.Record{"id": 2e6, "name": "a"}))
}
