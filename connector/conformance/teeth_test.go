package conformance_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
	"github.com/onewaysync/oneway/connector/memory"
)

// The suite must have teeth: each connector below is the memory connector with one defect, and the
// suite must fail exactly where that defect shows. Run takes a *testing.T, so the broken connectors run
// in a child process (TestBroken) whose failures this test reads from its -test.v output.

const brokenEnv = "ONEWAY_CONFORMANCE_BROKEN"

// broken is a memory connection with hooks that introduce one defect.
type broken struct {
	*memory.Conn
	writeReq     func(*connector.WriteRequest)
	writer       func(connector.Writer) connector.Writer
	read         func(connector.ReadRequest, connector.Reader, error) (connector.Reader, error)
	cursorReq    func(*connector.CursorRequest)
	cursorReader func(connector.CursorRequest, connector.Reader) connector.Reader
	reader       func(connector.Reader) connector.Reader
	onRead       func()
}

func (b *broken) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if b.writeReq != nil {
		b.writeReq(&req)
	}
	w, err := b.Conn.OpenWriter(ctx, req)
	if err == nil && b.writer != nil {
		w = b.writer(w)
	}
	return w, err
}

func (b *broken) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if b.onRead != nil {
		b.onRead()
	}
	r, err := b.Conn.Read(ctx, req)
	if b.read != nil {
		r, err = b.read(req, r, err)
	}
	if err == nil && b.reader != nil {
		r = b.reader(r)
	}
	return r, err
}

func (b *broken) ReadCursor(ctx context.Context, req connector.CursorRequest) (connector.Reader, error) {
	if b.cursorReq != nil {
		b.cursorReq(&req)
	}
	r, err := b.Conn.ReadCursor(ctx, req)
	if err == nil && b.cursorReader != nil {
		r = b.cursorReader(req, r)
	}
	if err == nil && b.reader != nil {
		r = b.reader(r)
	}
	return r, err
}

// applyHook is a writer whose Apply passes through a function.
type applyHook struct {
	connector.Writer
	apply func(ctx context.Context, w connector.Writer, batch []connector.Change) ([]connector.Result, error)
}

func (h applyHook) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	return h.apply(ctx, h.Writer, batch)
}

// rewrite returns a writer hook that replaces each change by f's result.
func rewrite(f func(connector.Change) connector.Change) func(connector.Writer) connector.Writer {
	return func(w connector.Writer) connector.Writer {
		return applyHook{Writer: w, apply: func(ctx context.Context, w connector.Writer, batch []connector.Change) ([]connector.Result, error) {
			out := make([]connector.Change, len(batch))
			for i, c := range batch {
				out[i] = f(c)
			}
			return w.Apply(ctx, out)
		}}
	}
}

// skipping returns a writer hook that does not send the changes drop selects, yet reports them applied.
func skipping(drop func(i int, batch []connector.Change) bool) func(connector.Writer) connector.Writer {
	return func(w connector.Writer) connector.Writer {
		return applyHook{Writer: w, apply: func(ctx context.Context, w connector.Writer, batch []connector.Change) ([]connector.Result, error) {
			var kept []connector.Change
			for i, c := range batch {
				if !drop(i, batch) {
					kept = append(kept, c)
				}
			}
			if _, err := w.Apply(ctx, kept); err != nil {
				return nil, err
			}
			return make([]connector.Result, len(batch)), nil
		}}
	}
}

// fakeCommitter claims to be a Committer but writes at once.
type fakeCommitter struct{ connector.Writer }

func (fakeCommitter) Commit(context.Context) error { return nil }

// nextHook is a reader whose Next passes through a function.
type nextHook struct {
	connector.Reader
	next func(ctx context.Context, r connector.Reader) ([]connector.Record, error)
}

func (h *nextHook) Next(ctx context.Context) ([]connector.Record, error) {
	return h.next(ctx, h.Reader)
}

func nextWith(f func(ctx context.Context, r connector.Reader) ([]connector.Record, error)) func(connector.Reader) connector.Reader {
	return func(r connector.Reader) connector.Reader { return &nextHook{Reader: r, next: f} }
}

type emptyReader struct{}

func (emptyReader) Next(context.Context) ([]connector.Record, error) { return nil, io.EOF }
func (emptyReader) Close() error                                     { return nil }

// brokenCase is one defect and the subtests that must catch it.
type brokenCase struct {
	name    string
	options connector.Settings // WriteOptions; default create_table
	defect  func(b *broken)
	fails   []string // subtest paths under the case, e.g. Target/Delete
}

func brokenCases() []brokenCase {
	return []brokenCase{
		{name: "drops-last-create", fails: []string{"Target/CreateReadBack", "Target/LargeBatch"}, defect: func(b *broken) {
			b.writer = skipping(func(i int, batch []connector.Change) bool {
				return i == len(batch)-1 && batch[i].Action == connector.Create
			})
		}},
		{name: "short-results", fails: []string{"Target/CreateReadBack"}, defect: func(b *broken) {
			b.writer = func(w connector.Writer) connector.Writer {
				return applyHook{Writer: w, apply: func(ctx context.Context, w connector.Writer, batch []connector.Change) ([]connector.Result, error) {
					results, err := w.Apply(ctx, batch)
					if len(results) > 1 {
						results = results[:len(results)-1]
					}
					return results, err
				}}
			}
		}},
		{name: "update-replaces", fails: []string{"Target/UpdateMergesFields", "Target/Idempotent"}, defect: func(b *broken) {
			b.writer = rewrite(func(c connector.Change) connector.Change {
				if c.Action == connector.Update {
					c.Action = connector.Create
				}
				return c
			})
		}},
		{name: "soft-delete-replaces", fails: []string{"Target/SoftDeleteSetsFields"}, defect: func(b *broken) {
			b.writer = rewrite(func(c connector.Change) connector.Change {
				if c.Action == connector.SoftDelete {
					c.Action = connector.Create
				}
				return c
			})
		}},
		{name: "ignores-deletes", fails: []string{"Target/Delete", "Target/Idempotent"}, defect: func(b *broken) {
			b.writer = skipping(func(i int, batch []connector.Change) bool { return batch[i].Action == connector.Delete })
		}},
		{name: "null-as-empty", fails: []string{"Target/NullVersusEmpty"}, defect: func(b *broken) {
			b.writer = rewrite(func(c connector.Change) connector.Change {
				if v, ok := c.Record["note"]; ok && v == nil {
					c.Record = c.Record.Clone()
					c.Record["note"] = ""
				}
				return c
			})
		}},
		{name: "commits-at-once", options: connector.Settings{"create_table": true, "transactional": true},
			fails: []string{"Target/CommitMakesVisible", "Target/CloseWithoutCommit"}, defect: func(b *broken) {
				b.writeReq = func(req *connector.WriteRequest) { delete(req.Options, "transactional") }
				b.writer = func(w connector.Writer) connector.Writer { return fakeCommitter{w} }
			}},
		{name: "accepts-unknown-options", fails: []string{"Target/UnknownWriteOption"}, defect: func(b *broken) {
			b.writeReq = func(req *connector.WriteRequest) {
				for k := range req.Options {
					if k != "create_table" {
						delete(req.Options, k)
					}
				}
			}
		}},
		{name: "repeats-first-batch", fails: []string{"Source/ReadAll"}, defect: func(b *broken) {
			b.reader = func(r connector.Reader) connector.Reader {
				var first []connector.Record
				calls := 0
				return &nextHook{Reader: r, next: func(ctx context.Context, r connector.Reader) ([]connector.Record, error) {
					if calls++; calls == 2 && first != nil {
						return first, nil
					}
					batch, err := r.Next(ctx)
					if calls == 1 {
						first = batch
					}
					return batch, err
				}}
			}
		}},
		{name: "reuses-batch", fails: []string{"Source/ReadAll"}, defect: func(b *broken) {
			b.reader = func(r connector.Reader) connector.Reader {
				var buf []connector.Record
				return &nextHook{Reader: r, next: func(ctx context.Context, r connector.Reader) ([]connector.Record, error) {
					batch, err := r.Next(ctx)
					if err != nil {
						return batch, err
					}
					buf = append(buf[:0], batch...) // the same backing array every time
					return buf, nil
				}}
			}
		}},
		{name: "ignores-batch-size", fails: []string{"Source/ReadAll", "CursorSource/Order"}, defect: func(b *broken) {
			b.read = func(req connector.ReadRequest, r connector.Reader, err error) (connector.Reader, error) {
				if err != nil {
					return r, err
				}
				_ = r.Close()
				req.BatchSize = 0
				return b.Conn.Read(context.Background(), req)
			}
			b.cursorReq = func(req *connector.CursorRequest) { req.BatchSize = 0 }
		}},
		{name: "missing-is-empty", fails: []string{"Source/MissingStream"}, defect: func(b *broken) {
			b.read = func(_ connector.ReadRequest, r connector.Reader, err error) (connector.Reader, error) {
				if err != nil {
					return emptyReader{}, nil
				}
				return r, nil
			}
		}},
		{name: "eof-once", fails: []string{"Source/ReadAll", "Source/EmptyStream"}, defect: func(b *broken) {
			b.reader = func(r connector.Reader) connector.Reader {
				ended := false
				return &nextHook{Reader: r, next: func(ctx context.Context, r connector.Reader) ([]connector.Record, error) {
					if ended {
						return nil, nil
					}
					batch, err := r.Next(ctx)
					ended = errors.Is(err, io.EOF)
					return batch, err
				}}
			}
		}},
		{name: "ignores-cancel", fails: []string{"Source/ContextCanceled"}, defect: func(b *broken) {
			b.reader = nextWith(func(_ context.Context, r connector.Reader) ([]connector.Record, error) {
				return r.Next(context.Background())
			})
		}},
		{name: "leaks-goroutine", fails: []string{"Source/ReadAll"}, defect: func(b *broken) {
			never := make(chan struct{})
			b.onRead = func() { go func() { <-never }() }
		}},
		{name: "cursor-skips-equal", fails: []string{"CursorSource/FromInclusive", "CursorSource/EqualCursorAcrossBatches"}, defect: func(b *broken) {
			b.cursorReq = func(req *connector.CursorRequest) {
				if req.From != nil {
					req.From = []any{req.From[0], int64(math.MaxInt64)}
				}
			}
		}},
		{name: "cursor-unordered", fails: []string{"CursorSource/Order"}, defect: func(b *broken) {
			b.reader = nextWith(func(ctx context.Context, r connector.Reader) ([]connector.Record, error) {
				batch, err := r.Next(ctx)
				slices.Reverse(batch)
				return batch, err
			})
		}},
		{name: "cursor-nulls-once", fails: []string{"CursorSource/NullCursorFirst"}, defect: func(b *broken) {
			b.cursorReader = func(req connector.CursorRequest, r connector.Reader) connector.Reader {
				if req.From == nil {
					return r
				}
				return &nextHook{Reader: r, next: func(ctx context.Context, r connector.Reader) ([]connector.Record, error) {
					batch, err := r.Next(ctx)
					return slices.DeleteFunc(batch, func(rec connector.Record) bool { return rec["seq"] == nil }), err
				}}
			}
		}},
	}
}

// options returns the suite's options for the memory connector with c's defect (none for the zero case).
func (c brokenCase) suiteOptions() conformance.Options {
	writeOptions := c.options
	if writeOptions == nil {
		writeOptions = connector.Settings{"create_table": true}
	}
	return conformance.Options{
		New: func(t *testing.T) connector.Conn {
			b := &broken{Conn: memory.Open(memory.NewStore())}
			if c.defect != nil {
				c.defect(b)
			}
			return b
		},
		WriteOptions: writeOptions,
	}
}

// TestBroken runs the suite against each broken connector; it runs only in the child process.
func TestBroken(t *testing.T) {
	if os.Getenv(brokenEnv) != "1" {
		t.Skip("run by TestSuiteDetectsBrokenConnectors in a child process")
	}
	for _, c := range append(brokenCases(), brokenCase{name: "intact"}) {
		t.Run(c.name, func(t *testing.T) { conformance.Run(t, c.suiteOptions()) })
	}
}

func TestSuiteDetectsBrokenConnectors(t *testing.T) {
	if os.Getenv(brokenEnv) == "1" {
		t.Skip("already in the child process")
	}
	for _, c := range brokenCases() {
		t.Run(c.name, func(t *testing.T) {
			var groups, subs []string
			for _, f := range c.fails {
				g, s, _ := strings.Cut(f, "/")
				groups, subs = append(groups, g), append(subs, s)
			}
			out, err := runBroken(t, "^"+c.name+"$/^("+strings.Join(groups, "|")+")$/^("+strings.Join(subs, "|")+")$")
			if err == nil {
				t.Fatalf("the suite passed a connector that %s; output:\n%s", c.name, out)
			}
			for _, f := range c.fails {
				if !strings.Contains(out, "--- FAIL: TestBroken/"+c.name+"/"+f+" ") {
					t.Errorf("the suite did not fail %s for a connector that %s; output:\n%s", f, c.name, out)
				}
			}
		})
	}
	// The harness itself is sound: the intact connector passes the whole suite in the child too.
	t.Run("intact", func(t *testing.T) {
		if out, err := runBroken(t, "^intact$"); err != nil {
			t.Fatalf("the intact memory connector failed the suite in the child process: %v\n%s", err, out)
		}
	})
}

// runBroken runs TestBroken/<pattern> in a child process and returns its output.
func runBroken(t *testing.T, pattern string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBroken$/"+pattern, "-test.v", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), brokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the child test process: %v", err)
	}
	if !regexp.MustCompile(`(?m)^=== RUN   TestBroken/`).Match(out) {
		t.Fatalf("the child process ran no broken connector (pattern %s):\n%s", pattern, out)
	}
	return string(out), err
}
