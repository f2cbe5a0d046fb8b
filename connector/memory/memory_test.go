package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/memory"
)

var errInjected = errors.New("injected")

func rec(id int64, name string) connector.Record { return connector.Record{"id": id, "name": name} }

func create(id int64, name string) connector.Change {
	return connector.Change{Action: connector.Create, Key: []any{id}, Record: rec(id, name)}
}

func openWriter(t *testing.T, conn *memory.Conn, req connector.WriteRequest) connector.Writer {
	t.Helper()
	w, err := conn.OpenWriter(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func readAll(t *testing.T, r connector.Reader) ([]connector.Record, error) {
	t.Helper()
	defer r.Close()
	var out []connector.Record
	for {
		batch, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, batch...)
	}
}

func ids(recs []connector.Record) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r["id"].(int64)
	}
	return out
}

func TestRegister(t *testing.T) {
	r := connector.NewRegistry()
	memory.Register(r, memory.NewStore())
	conn, err := r.Open("memory", nil, connector.Env{})
	if err != nil {
		t.Fatalf("Open without settings: %v", err)
	}
	if _, ok := conn.(*memory.Conn); !ok {
		t.Errorf("Open returned %T, want *memory.Conn", conn)
	}
	_, err = r.Open("memory", connector.Settings{"path": "x"}, connector.Env{})
	var se *connector.SettingError
	if !errors.As(err, &se) || se.Key != "path" {
		t.Errorf("Open with an unknown setting: err = %v, want a *SettingError for path", err)
	}
}

func TestOpenWriterOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    connector.Settings
		wantErr bool
	}{
		{"missing stream", nil, true},
		{"create_table", connector.Settings{"create_table": true}, false},
		{"create_table not a bool", connector.Settings{"create_table": "yes"}, true},
		{"unknown option", connector.Settings{"create_table": true, "batch": 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memory.NewStore()
			w, err := memory.Open(st).OpenWriter(t.Context(), connector.WriteRequest{Stream: "s", Options: tt.opts})
			if (err != nil) != tt.wantErr {
				t.Fatalf("OpenWriter: err = %v, want error: %v", err, tt.wantErr)
			}
			if err == nil {
				w.Close()
				if got := st.Streams(); !cmp.Equal(got, []string{"s"}) {
					t.Errorf("streams after create_table: %v", got)
				}
			}
		})
	}
}

func TestStoreSeedAndInspect(t *testing.T) {
	st := memory.NewStore()
	if st.Records("people") != nil {
		t.Error("Records of a missing stream is not nil")
	}
	in := connector.Record{"id": 10, "name": "ten", "tags": []any{"a"}, "blob": []byte("x")}
	st.Put("people", in, rec(9, "nine"), rec(100, "hundred"))
	in["name"] = "changed after Put"
	in["blob"].([]byte)[0] = 'y'

	got := st.Records("people")
	if want := []int64{9, 10, 100}; !cmp.Equal(ids(got), want) {
		t.Errorf("Records order = %v, want %v (numeric key order)", ids(got), want)
	}
	if got[1]["name"] != "ten" || string(got[1]["blob"].([]byte)) != "x" {
		t.Errorf("Put kept a reference to the caller's record: %v", got[1])
	}
	got[1]["tags"].([]any)[0] = "changed"
	if st.Records("people")[1]["tags"].([]any)[0] != "a" {
		t.Error("Records returned a reference into the store")
	}

	st.Put("people", rec(10, "ten again"))
	st.Delete("people", 9)
	st.Delete("people", 12345)
	st.Delete("nowhere", 1)
	if want := []connector.Record{rec(10, "ten again"), rec(100, "hundred")}; !cmp.Equal(st.Records("people"), want) {
		t.Errorf("after Put and Delete: %v", st.Records("people"))
	}

	st.SetKey("pairs", "a", "b")
	st.Put("pairs", connector.Record{"a": "x", "b": int64(2)}, connector.Record{"a": "x", "b": int64(1)})
	st.Delete("pairs", "x", 2)
	if want := []connector.Record{{"a": "x", "b": int64(1)}}; !cmp.Equal(st.Records("pairs"), want) {
		t.Errorf("composite key stream: %v", st.Records("pairs"))
	}
	if want := []string{"pairs", "people"}; !cmp.Equal(st.Streams(), want) {
		t.Errorf("Streams = %v, want %v", st.Streams(), want)
	}
}

func TestPutPanicsOnInvalidRecords(t *testing.T) {
	tests := map[string]connector.Record{
		"missing key":   {"name": "no id"},
		"null key":      {"id": nil},
		"non-canonical": {"id": int64(1), "bad": struct{}{}},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Put did not panic")
				}
			}()
			memory.NewStore().Put("s", r)
		})
	}
}

func TestApplyValidation(t *testing.T) {
	st := memory.NewStore()
	w := openWriter(t, memory.Open(st), connector.WriteRequest{Stream: "s", Key: []string{"id"}, Options: connector.Settings{"create_table": true}})
	batch := []connector.Change{
		create(1, "ok"),
		{Action: connector.Create, Key: []any{int64(2)}, Record: rec(3, "key disagrees")},
		{Action: connector.Create, Key: []any{int64(4), int64(5)}, Record: rec(4, "two key values")},
		{Action: connector.Unchanged, Key: []any{int64(6)}},
		{Action: connector.Create, Key: []any{int64(7)}, Record: connector.Record{"bad": make(chan int)}},
		{Action: connector.Create, Key: []any{nil}, Record: connector.Record{"name": "null key"}},
		{Action: connector.Create, Key: []any{int(8)}, Record: connector.Record{"name": "key filled in"}},
	}
	results, err := w.Apply(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	wantOK := []bool{true, false, false, false, false, false, true}
	for i, r := range results {
		if (r.Err == nil) != wantOK[i] {
			t.Errorf("change %d: Err = %v, want ok: %v", i, r.Err, wantOK[i])
		}
	}
	if want := []connector.Record{rec(1, "ok"), rec(8, "key filled in")}; !cmp.Equal(st.Records("s"), want) {
		t.Errorf("stored: %v", st.Records("s"))
	}
}

func TestWriteSemantics(t *testing.T) {
	st := memory.NewStore()
	st.Put("s", connector.Record{"id": int64(1), "name": "one", "n": int64(1)}, connector.Record{"id": int64(2), "name": "two", "n": int64(2)})
	w := openWriter(t, memory.Open(st), connector.WriteRequest{Stream: "s", Key: []string{"id"}})
	results, err := w.Apply(t.Context(), []connector.Change{
		{Action: connector.Update, Key: []any{int64(1)}, Record: connector.Record{"name": "uno"}},
		{Action: connector.Update, Key: []any{int64(3)}, Record: connector.Record{"name": "tres"}},
		{Action: connector.SoftDelete, Key: []any{int64(2)}, Record: connector.Record{"deleted": true}},
		{Action: connector.SoftDelete, Key: []any{int64(4)}, Record: connector.Record{"deleted": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, wantNotFound := range []bool{false, true, false, true} {
		if got := errors.Is(results[i].Err, connector.ErrNotFound); got != wantNotFound || (!got && results[i].Err != nil) {
			t.Errorf("change %d: Err = %v, want ErrNotFound: %v", i, results[i].Err, wantNotFound)
		}
	}
	want := []connector.Record{
		{"id": int64(1), "name": "uno", "n": int64(1)},
		{"id": int64(2), "name": "two", "n": int64(2), "deleted": true},
	}
	if diff := cmp.Diff(want, st.Records("s")); diff != "" {
		t.Errorf("Update and SoftDelete merge, and never create (-want +got):\n%s", diff)
	}
}

func TestAppendThenUpsert(t *testing.T) {
	st := memory.NewStore()
	st.CreateStream("log")
	conn := memory.Open(st)
	w := openWriter(t, conn, connector.WriteRequest{Stream: "log", Key: []string{"id"}, Append: true})
	if _, err := w.Apply(t.Context(), []connector.Change{create(1, "a"), create(1, "b")}); err != nil {
		t.Fatal(err)
	}
	if want := []connector.Record{rec(1, "a"), rec(1, "b")}; !cmp.Equal(st.Records("log"), want) {
		t.Fatalf("after appending twice: %v", st.Records("log"))
	}
	up := openWriter(t, conn, connector.WriteRequest{Stream: "log", Key: []string{"id"}})
	if _, err := up.Apply(t.Context(), []connector.Change{create(1, "c")}); err != nil {
		t.Fatal(err)
	}
	if want := []connector.Record{rec(1, "c")}; !cmp.Equal(st.Records("log"), want) {
		t.Errorf("a create outside Append mode replaces every record of the key: %v", st.Records("log"))
	}
}

func TestFailApply(t *testing.T) {
	st := memory.NewStore()
	st.FailApply("s", func(c connector.Change) error {
		if c.Key[0] == int64(2) {
			return connector.Transient(errInjected)
		}
		return nil
	})
	st.CreateStream("s")
	w := openWriter(t, memory.Open(st), connector.WriteRequest{Stream: "s"})
	results, err := w.Apply(t.Context(), []connector.Change{create(1, "a"), create(2, "b"), create(3, "c")})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || results[0].Err != nil || results[2].Err != nil {
		t.Fatalf("results = %v, want only change 1 rejected", results)
	}
	if !errors.Is(results[1].Err, errInjected) || !connector.IsRetryable(results[1].Err) {
		t.Errorf("rejection = %v, want the injected, retryable error", results[1].Err)
	}
	if got := ids(st.Records("s")); !cmp.Equal(got, []int64{1, 3}) {
		t.Errorf("stored ids %v, want [1 3]", got)
	}

	st.FailApply("s", nil)
	if results, _ := w.Apply(t.Context(), []connector.Change{create(2, "b")}); results[0].Err != nil {
		t.Errorf("after removing the fault: %v", results[0].Err)
	}
}

func TestFailBatchAfterAndApplied(t *testing.T) {
	st := memory.NewStore()
	st.CreateStream("s")
	w := openWriter(t, memory.Open(st), connector.WriteRequest{Stream: "s"})
	if calls, changes := st.Applied("s"); calls != 0 || changes != 0 {
		t.Fatalf("Applied before any write = %d, %d", calls, changes)
	}
	st.FailBatchAfter("s", 1, errInjected)
	if _, err := w.Apply(t.Context(), []connector.Change{create(1, "a")}); err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	results, err := w.Apply(t.Context(), []connector.Change{create(2, "b"), create(3, "c")})
	if !errors.Is(err, errInjected) || results != nil {
		t.Fatalf("second Apply = %v, %v; want nil, the injected error", results, err)
	}
	if got := ids(st.Records("s")); !cmp.Equal(got, []int64{1}) {
		t.Errorf("stored ids %v: a failed batch wrote something", got)
	}
	if calls, changes := st.Applied("s"); calls != 2 || changes != 3 {
		t.Errorf("Applied = %d calls, %d changes; want 2, 3", calls, changes)
	}
	st.FailBatchAfter("s", 0, nil)
	if _, err := w.Apply(t.Context(), []connector.Change{create(2, "b")}); err != nil {
		t.Errorf("after removing the fault: %v", err)
	}
}

func TestFailReadAfter(t *testing.T) {
	st := memory.NewStore()
	for id := range int64(10) {
		st.Put("s", rec(id, "x"))
	}
	st.CreateStream("empty")
	st.FailReadAfter("s", 4, errInjected)
	st.FailReadAfter("empty", 0, errInjected)
	conn := memory.Open(st)

	r, err := conn.Read(t.Context(), connector.ReadRequest{Stream: "s", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for {
		batch, err := r.Next(t.Context())
		if err != nil {
			if !errors.Is(err, errInjected) {
				t.Errorf("Next after %v: %v, want the injected error", sizes, err)
			}
			break
		}
		sizes = append(sizes, len(batch))
	}
	r.Close()
	if !cmp.Equal(sizes, []int{3, 1}) {
		t.Errorf("batches before the error: %v, want [3 1]", sizes)
	}

	cr, err := conn.ReadCursor(t.Context(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "empty"}, Cursor: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, cr); !errors.Is(err, errInjected) {
		t.Errorf("cursor read of an empty stream with n = 0: %v, want the injected error instead of io.EOF", err)
	}

	st.FailReadAfter("s", 0, nil)
	r, _ = conn.Read(t.Context(), connector.ReadRequest{Stream: "s"})
	if got, err := readAll(t, r); err != nil || len(got) != 10 {
		t.Errorf("after removing the fault: %d records, %v", len(got), err)
	}
}

func TestFailCommit(t *testing.T) {
	st := memory.NewStore()
	st.Put("s", rec(1, "a"))
	w := openWriter(t, memory.Open(st), connector.WriteRequest{Stream: "s", Options: connector.Settings{"transactional": true}})
	c, ok := w.(connector.Committer)
	if !ok {
		t.Fatalf("a transactional writer is %T, not a Committer", w)
	}
	st.FailCommit("s", errInjected)
	if _, err := w.Apply(t.Context(), []connector.Change{create(2, "b"), {Action: connector.Delete, Key: []any{int64(1)}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(t.Context()); !errors.Is(err, errInjected) {
		t.Fatalf("Commit = %v, want the injected error", err)
	}
	if want := []connector.Record{rec(1, "a")}; !cmp.Equal(st.Records("s"), want) {
		t.Errorf("after a failed Commit: %v, want the stream as before", st.Records("s"))
	}
	st.FailCommit("s", nil)
	if _, err := w.Apply(t.Context(), []connector.Change{create(3, "c")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if want := []connector.Record{rec(1, "a"), rec(3, "c")}; !cmp.Equal(st.Records("s"), want) {
		t.Errorf("after a failed Commit then a good one: %v (the failed one's changes must be gone)", st.Records("s"))
	}
}

func TestReadIsSnapshot(t *testing.T) {
	st := memory.NewStore()
	st.Put("s", rec(1, "a"), rec(2, "b"))
	conn := memory.Open(st)
	r, err := conn.Read(t.Context(), connector.ReadRequest{Stream: "s", BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	st.Put("s", rec(3, "c"), rec(1, "changed"))
	st.Delete("s", 2)
	got, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if want := []connector.Record{rec(1, "a"), rec(2, "b")}; !cmp.Equal(got, want) {
		t.Errorf("read = %v, want the records as they were when the read opened", got)
	}
}

func TestReadCursorPositions(t *testing.T) {
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	st := memory.NewStore()
	for i := range int64(4) {
		st.Put("s", connector.Record{"id": i, "at": base.Add(time.Duration(i) * time.Hour), "n": i * 10})
	}
	st.Put("s", connector.Record{"id": int64(9), "at": nil, "n": nil})
	conn := memory.Open(st)

	tests := []struct {
		name   string
		cursor []string
		from   []any
		want   []int64
	}{
		{"time from a decoded position", []string{"at"}, decoded(t, base.Add(2*time.Hour), int64(2)), []int64{9, 2, 3}},
		{"json.Number against int64", []string{"n"}, []any{json.Number("10.5"), int64(0)}, []int64{9, 2, 3}},
		{"float against int64", []string{"n"}, []any{float64(10), int64(1)}, []int64{9, 1, 2, 3}},
		{"from start", []string{"n"}, nil, []int64{9, 0, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := conn.ReadCursor(t.Context(), connector.CursorRequest{
				ReadRequest: connector.ReadRequest{Stream: "s", BatchSize: 2}, Cursor: tt.cursor, From: tt.from,
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(ids(got), tt.want) {
				t.Errorf("ids = %v, want %v", ids(got), tt.want)
			}
		})
	}

	_, err := conn.ReadCursor(t.Context(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "s"}, Cursor: []string{"n"}, From: []any{int64(1), int64(1), int64(1)}})
	if err == nil {
		t.Error("a From with too many values was accepted")
	}
}

// decoded returns a cursor position as the engine gets it back from the ledger.
func decoded(t *testing.T, vals ...any) []any {
	t.Helper()
	enc, err := connector.EncodeKey(vals)
	if err != nil {
		t.Fatal(err)
	}
	out, err := connector.DecodeKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClosedConnection(t *testing.T) {
	st := memory.NewStore()
	st.CreateStream("s")
	conn := memory.Open(st)
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := conn.Read(t.Context(), connector.ReadRequest{Stream: "s"}); err == nil {
		t.Error("Read on a closed connection succeeded")
	}
	if _, err := conn.OpenWriter(t.Context(), connector.WriteRequest{Stream: "s"}); err == nil {
		t.Error("OpenWriter on a closed connection succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	st := memory.NewStore()
	st.CreateStream("s")
	conn := memory.Open(st)
	var wg sync.WaitGroup
	for g := range int64(4) {
		wg.Go(func() {
			w, err := conn.OpenWriter(context.Background(), connector.WriteRequest{Stream: "s"})
			if err != nil {
				t.Error(err)
				return
			}
			defer w.Close()
			for i := range int64(50) {
				if _, err := w.Apply(context.Background(), []connector.Change{create(g*100+i, "x")}); err != nil {
					t.Error(err)
				}
				st.Records("s")
				if r, err := conn.Read(context.Background(), connector.ReadRequest{Stream: "s"}); err == nil {
					r.Close()
				}
			}
		})
	}
	wg.Wait()
	if got := len(st.Records("s")); got != 200 {
		t.Errorf("%d records after concurrent writes, want 200", got)
	}
	if calls, changes := st.Applied("s"); calls != 200 || changes != 200 {
		t.Errorf("Applied = %d, %d; want 200, 200", calls, changes)
	}
}
