package file

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

func openAppendWriter(t *testing.T, c *Conn, req connector.WriteRequest) connector.Writer {
	t.Helper()
	req.Append = true
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	if _, ok := w.(connector.Committer); ok {
		t.Fatal("an append writer is a Committer; its writes must be durable at Apply")
	}
	return w
}

func TestAppend(t *testing.T) {
	k := func(v any) []any { return []any{v} }
	tests := []struct {
		name     string
		kind     string
		existing string
		req      connector.WriteRequest
		batches  [][]connector.Change
		want     string
	}{
		{
			name: "csv new file: header from the first batch, key first", kind: "csv",
			req: connector.WriteRequest{Key: []string{"id"}},
			batches: [][]connector.Change{
				{create(k(int64(2)), connector.Record{"id": int64(2), "b": true, "a": 1.5})},
				{create(k(int64(1)), connector.Record{"id": int64(1), "a": nil}), change(connector.Update, k(int64(2)), connector.Record{"id": int64(2), "b": false})},
			},
			want: "id,a,b\n2,1.5,true\n1,,\n2,,false\n",
		},
		{
			name: "csv new file: header from Fields", kind: "csv",
			req:     connector.WriteRequest{Key: []string{"id"}, Fields: []string{"b", "id", "z"}},
			batches: [][]connector.Change{{create(k("x"), connector.Record{"id": "x", "b": "1"})}},
			want:    "id,b,z\nx,1,\n",
		},
		{
			name: "csv existing file keeps its columns; missing newline added", kind: "csv",
			existing: "name,id\nAda,1",
			req:      connector.WriteRequest{Key: []string{"id"}, Fields: []string{"id", "name", "other"}},
			batches:  [][]connector.Change{{create(k(int64(2)), connector.Record{"id": int64(2), "name": "Bob"})}},
			want:     "name,id\nAda,1\nBob,2\n",
		},
		{
			name: "csv existing empty file gets a header", kind: "csv",
			existing: "\x00",
			req:      connector.WriteRequest{Key: []string{"id"}},
			batches:  [][]connector.Change{{create(k(int64(1)), connector.Record{"id": int64(1)})}},
			want:     "id\n1\n",
		},
		{
			name: "jsonl appends canonical lines", kind: "jsonl",
			existing: `{"id":0}` + "\n",
			req:      connector.WriteRequest{Key: []string{"id"}},
			batches: [][]connector.Change{
				{create(k(int64(1)), connector.Record{"z": "é", "id": int64(1), "m": map[string]any{"b": int64(2), "a": nil}})},
				{create(k(int64(1)), connector.Record{"id": int64(1)})},
			},
			want: `{"id":0}` + "\n" + `{"id":1,"m":{"a":null,"b":2},"z":"é"}` + "\n" + `{"id":1}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "log."+tt.kind)
			switch tt.existing {
			case "":
			case "\x00":
				writeFile(t, path, "")
			default:
				writeFile(t, path, tt.existing)
			}
			c := open(t, tt.kind, dir, connector.Settings{"path": "."})
			req := tt.req
			req.Stream = "log"
			w := openAppendWriter(t, c, req)
			for _, b := range tt.batches {
				applyAll(t, w, b...)
			}
			// No Close: what Apply acknowledged must already be in the file.
			if got := readFile(t, path); got != tt.want {
				t.Fatalf("file %q, want %q", got, tt.want)
			}
			if _, err := readAll(t, c, "log", 0); err != nil {
				t.Fatalf("the appended file does not read back: %v", err)
			}
		})
	}
}

func TestAppendRejects(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "log.csv"), "id,name\n1,Ada\n")
	c := open(t, "csv", dir, connector.Settings{"path": "."})
	w := openAppendWriter(t, c, connector.WriteRequest{Stream: "log", Key: []string{"id"}})
	res, err := w.Apply(context.Background(), []connector.Change{
		create([]any{"2"}, connector.Record{"id": "2", "name": "Bob"}),
		create([]any{"3"}, connector.Record{"id": "3", "email": "x@y"}),
		change(connector.Delete, []any{"1"}, nil),
		change(connector.SoftDelete, []any{"1"}, connector.Record{"active": "false"}),
		{Action: connector.Unchanged, Key: []any{"1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	wantErr(t, res[1].Err, `"email" is not a column`)
	for _, i := range []int{2, 3} {
		if !errors.Is(res[i].Err, connector.ErrUnsupported) {
			t.Errorf("change %d: %v, want ErrUnsupported", i, res[i].Err)
		}
	}
	wantErr(t, res[4].Err, "cannot be applied")
	if got := readFile(t, filepath.Join(dir, "log.csv")); got != "id,name\n1,Ada\n2,Bob\n" {
		t.Fatalf("file %q", got)
	}
}

func TestAppendAfterClose(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	w := openAppendWriter(t, c, connector.WriteRequest{Stream: "log"})
	applyAll(t, w, create(nil, connector.Record{"id": int64(1)}))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Apply(context.Background(), []connector.Change{create(nil, connector.Record{"id": int64(2)})}); err == nil {
		t.Fatal("Apply after Close succeeded")
	}
	if got := readFile(t, filepath.Join(dir, "log.jsonl")); got != "{\"id\":1}\n" {
		t.Fatalf("file %q", got)
	}
}

// TestAppendFailedWriteLeavesNothing makes Apply fail on its file (closed under the writer): Apply returns
// an error and the file holds nothing of the batch. (A write that fails half-way is cut back by truncating
// to the old size; that path needs a full disk and is not simulated here.)
func TestAppendFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	c := open(t, "jsonl", dir, connector.Settings{"path": "."})
	w := openAppendWriter(t, c, connector.WriteRequest{Stream: "log"})
	applyAll(t, w, create(nil, connector.Record{"id": int64(1)}))
	_ = w.(*AppendWriter).f.Close()
	if _, err := w.Apply(context.Background(), []connector.Change{create(nil, connector.Record{"id": int64(2)})}); err == nil {
		t.Fatal("Apply on a closed file succeeded")
	}
	if got := readFile(t, filepath.Join(dir, "log.jsonl")); got != "{\"id\":1}\n" {
		t.Fatalf("file %q", got)
	}
}
