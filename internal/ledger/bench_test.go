package ledger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/internal/ledger"
)

// benchEntries is the ledger size of the benchmarks: large enough that lookups walk a deep B-tree.
const benchEntries = 200_000

func benchLedger(b *testing.B) *ledger.SQLite {
	b.Helper()
	st, err := ledger.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "state.db"), false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	doc := []byte(`{"note":"` + strings.Repeat("n", 200) + `"}`)
	for start := 0; start < benchEntries; start += 10_000 {
		c := ledger.Commit{Scope: scope}
		for i := start; i < start+10_000; i++ {
			k := fmt.Sprintf("[%d]", i)
			c.Entries = append(c.Entries, ledger.Entry{Key: k, TargetKey: k, Hash: strings.Repeat("ab", 32), Doc: doc, Status: ledger.Live})
		}
		if err := st.Commit(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkLookup reports the cost of looking up one key, in batches of 10,000 as the engine does.
func BenchmarkLookup(b *testing.B) {
	st := benchLedger(b)
	ctx := context.Background()
	sess, err := st.Session(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	keys := make([]string, 10_000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		base := (n * 10_000) % benchEntries
		for i := range keys {
			keys[i] = fmt.Sprintf("[%d]", base+i)
		}
		got, err := sess.Lookup(ctx, scope, keys)
		if err != nil || len(got) != len(keys) {
			b.Fatalf("%d found, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
}

// BenchmarkCommit reports the cost of storing one acknowledged entry, in batches of 10,000.
func BenchmarkCommit(b *testing.B) {
	st := benchLedger(b)
	ctx := context.Background()
	doc := []byte(`{"note":"` + strings.Repeat("m", 200) + `"}`)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		c := ledger.Commit{Scope: scope}
		for i := 0; i < 10_000; i++ {
			k := fmt.Sprintf("[n%d-%d]", n, i)
			c.Entries = append(c.Entries, ledger.Entry{Key: k, TargetKey: k, Hash: strings.Repeat("cd", 32), Doc: doc, Status: ledger.Live})
		}
		if err := st.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10_000), "ns/entry")
}

// BenchmarkCommitUpdates reports the cost of storing one changed entry when the changes are spread
// over the whole ledger (1 in 20 keys), as after a 1% update of the source.
func BenchmarkCommitUpdates(b *testing.B) {
	st := benchLedger(b)
	ctx := context.Background()
	doc := []byte(`{"note":"` + strings.Repeat("u", 200) + `"}`)
	const per = benchEntries / 20
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		c := ledger.Commit{Scope: scope}
		for i := 0; i < per; i++ {
			k := fmt.Sprintf("[%d]", i*20+n%20)
			c.Entries = append(c.Entries, ledger.Entry{Key: k, TargetKey: k, Hash: strings.Repeat("ef", 32), Doc: doc, Status: ledger.Live})
		}
		if err := st.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per), "ns/entry")
}
