package file

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onewaysync/oneway/connector"
)

func TestNewSettings(t *testing.T) {
	tests := []struct {
		kind    string
		s       connector.Settings
		wantKey string // the SettingError key, "" for success
	}{
		{"jsonl", connector.Settings{"path": "out"}, ""},
		{"jsonl", connector.Settings{}, "path"},
		{"jsonl", connector.Settings{"path": 3}, "path"},
		{"jsonl", connector.Settings{"path": "out", "delimiter": ";"}, "delimiter"},
		{"csv", connector.Settings{"path": "out", "delimiter": ";", "header": false, "null": `\N`}, ""},
		{"csv", connector.Settings{"path": "out", "delimiter": "\t"}, ""},
		{"csv", connector.Settings{"path": "out", "delimiter": ";;"}, "delimiter"},
		{"csv", connector.Settings{"path": "out", "delimiter": "\""}, "delimiter"},
		{"csv", connector.Settings{"path": "out", "delimiter": "\n"}, "delimiter"},
		{"csv", connector.Settings{"path": "out", "delimiter": ""}, "delimiter"},
		{"csv", connector.Settings{"path": "out", "header": "yes"}, "header"},
		{"csv", connector.Settings{"path": "out", "null": 0}, "null"},
		{"csv", connector.Settings{"path": "out", "nul": ""}, "nul"},
	}
	r := connector.NewRegistry()
	Register(r)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.kind, tt.s), func(t *testing.T) {
			dir := t.TempDir()
			_, err := r.Open(tt.kind, tt.s, connector.Env{BaseDir: dir})
			if tt.wantKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				if names := listDir(t, dir); len(names) != 0 {
					t.Fatalf("New touched the disk: %v", names)
				}
				return
			}
			var se *connector.SettingError
			if !errors.As(err, &se) || se.Key != tt.wantKey {
				t.Fatalf("got %v, want a SettingError for %q", err, tt.wantKey)
			}
		})
	}
}

func TestReadFileAndFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data", "people.csv"), "id,name\n1,Ada\n2,Bob\n3,Cy\n")
	writeFile(t, filepath.Join(dir, "data", "people.jsonl"), "{\"id\":1}\n{\"id\":2}\n")
	// A folder stream: files in name order; other extensions, hidden files and sub-folders are skipped.
	writeFile(t, filepath.Join(dir, "data", "parts", "b.csv"), "id,name\n3,Cy\n")
	writeFile(t, filepath.Join(dir, "data", "parts", "a.csv"), "\xEF\xBB\xBFid,name,extra\n1,Ada,x\n2,Bob,y\n")
	writeFile(t, filepath.Join(dir, "data", "parts", "c.txt"), "not csv")
	writeFile(t, filepath.Join(dir, "data", "parts", ".people.csv.oneway-1.tmp"), "id\n99\n")
	writeFile(t, filepath.Join(dir, "data", "parts", ".hidden.csv"), "id\n98\n")
	writeFile(t, filepath.Join(dir, "data", "parts", "sub", "z.csv"), "id\n97\n")
	writeFile(t, filepath.Join(dir, "data", "empty", "readme.txt"), "")

	people := []connector.Record{{"id": "1", "name": "Ada"}, {"id": "2", "name": "Bob"}, {"id": "3", "name": "Cy"}}
	tests := []struct {
		name     string
		kind     string
		path     string
		stream   string
		want     []connector.Record
		wantErrs []string
	}{
		{name: "file in folder", kind: "csv", path: "data", stream: "people", want: people},
		{name: "stream with extension", kind: "csv", path: "data", stream: "people.csv", want: people},
		{name: "jsonl file", kind: "jsonl", path: "data", stream: "people", want: []connector.Record{{"id": int64(1)}, {"id": int64(2)}}},
		{name: "path names the file", kind: "csv", path: "data/people.csv", stream: "people", want: people},
		{name: "path names the file, stream with extension", kind: "csv", path: "data/people.csv", stream: "people.csv", want: people},
		{name: "absolute path", kind: "csv", path: filepath.Join(dir, "data"), stream: "people", want: people},
		{name: "folder of files", kind: "csv", path: "data", stream: "parts", want: []connector.Record{
			{"id": "1", "name": "Ada", "extra": "x"}, {"id": "2", "name": "Bob", "extra": "y"}, {"id": "3", "name": "Cy"}}},
		{name: "empty folder", kind: "csv", path: "data", stream: "empty", want: nil},
		{name: "path names another file", kind: "csv", path: "data/people.csv", stream: "other", wantErrs: []string{`stream "other" does not match`, "people.csv"}},
		{name: "missing file", kind: "csv", path: "data", stream: "nobody", wantErrs: []string{"no file " + filepath.Join(dir, "data", "nobody.csv"), "no folder"}},
		{name: "missing file with extension", kind: "jsonl", path: "data", stream: "nobody.jsonl", wantErrs: []string{filepath.Join(dir, "data", "nobody.jsonl"), "does not exist"}},
		{name: "missing single file", kind: "csv", path: "data/nobody.csv", stream: "nobody", wantErrs: []string{filepath.Join(dir, "data", "nobody.csv"), "does not exist"}},
		{name: "missing folder", kind: "csv", path: "nowhere", stream: "people", wantErrs: []string{"folder " + filepath.Join(dir, "nowhere"), "does not exist"}},
		{name: "escaping stream", kind: "csv", path: "data", stream: "../data/people", wantErrs: []string{"relative name inside path"}},
		{name: "empty stream", kind: "csv", path: "data", stream: "", wantErrs: []string{"stream is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, tt.kind, dir, connector.Settings{"path": tt.path})
			for _, batch := range []int{0, 1, 2} {
				got, err := readAll(t, c, tt.stream, batch)
				if tt.wantErrs != nil {
					wantErr(t, err, tt.wantErrs...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("batch %d: records (-want +got):\n%s", batch, diff)
				}
			}
		})
	}
}

func TestReadAmbiguousStream(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.jsonl"), "{\"id\":1}\n")
	writeFile(t, filepath.Join(dir, "x", "a.jsonl"), "{\"id\":2}\n")
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	_, err := readAll(t, c, "x", 0)
	wantErr(t, err, "ambiguous")
	got, err := readAll(t, c, "x.jsonl", 0)
	if err != nil || len(got) != 1 || got[0]["id"] != int64(1) {
		t.Fatalf("x.jsonl: got %v, %v", got, err)
	}
}

func TestReadErrorInSecondFileNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s", "1.jsonl"), "{\"id\":1}\n{\"id\":2}\n")
	writeFile(t, filepath.Join(dir, "s", "2.jsonl"), "{\"id\":3}\n\n{\"id\":4\n")
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	ctx := context.Background()
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "s", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := r.Next(ctx)
	wantErr(t, err, filepath.Join(dir, "s", "2.jsonl")+":3:")
	if recs != nil {
		t.Fatalf("a failed Next returned records %v", recs)
	}
	if _, err2 := r.Next(ctx); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("Next after an error returned %v, want the same error", err2)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadCSVWithoutHeaderIsRefused(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.csv"), "1,Ada\n")
	c := open(t, "csv", dir, connector.Settings{"path": ".", "header": false})
	_, err := readAll(t, c, "p", 0)
	wantErr(t, err, "needs a header row")
}

func TestReadCanceled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.csv"), "id\n1\n2\n")
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	ctx, cancel := context.WithCancel(context.Background())
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
}

// TestReadStreamsInBatches reads a file much larger than one batch and checks that every batch is full
// but the last: the reader streams rather than loading the file.
func TestReadStreamsInBatches(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("id\n")
	const n = 2500
	for i := range n {
		fmt.Fprintf(&sb, "%d\n", i)
	}
	writeFile(t, filepath.Join(dir, "big.csv"), sb.String())
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	ctx := context.Background()
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "big", BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sizes []int
	for {
		recs, err := r.Next(ctx)
		if errors.Is(err, connector.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(recs))
	}
	if diff := cmp.Diff([]int{1000, 1000, 500}, sizes); diff != "" {
		t.Fatalf("batch sizes (-want +got):\n%s", diff)
	}
}
