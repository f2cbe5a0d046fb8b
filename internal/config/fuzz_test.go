package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary files to the loader: it must return a Spec or Errors, never panic or hang. The
// seed corpus in testdata/fuzz/FuzzLoad holds valid and broken configurations.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(base))
	dir := f.TempDir()
	path := filepath.Join(dir, "oneway.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		reg, open := testRegistry()
		spec, err := Load(path, reg)
		if open.Load() != 0 {
			t.Fatalf("Load left %d connections open", open.Load())
		}
		switch {
		case err == nil && spec == nil:
			t.Fatal("Load returned neither a Spec nor an error")
		case err != nil && spec != nil:
			t.Fatal("Load returned a Spec and an error")
		case err != nil:
			errs, ok := err.(Errors)
			if !ok || len(errs) == 0 {
				t.Fatalf("Load error is %T, want non-empty Errors", err)
			}
			for _, e := range errs {
				if e.Pos.File != path || e.Msg == "" {
					t.Fatalf("malformed error %#v", e)
				}
			}
		default:
			if len(spec.Syncs) == 0 {
				t.Fatal("a valid Spec without syncs")
			}
			for _, s := range spec.Syncs {
				if len(s.Source.Key) == 0 || len(s.Targets) == 0 {
					t.Fatalf("sync %q lacks a key or targets", s.Name)
				}
				for _, tg := range s.Targets {
					if len(tg.Key) == 0 || tg.Mode == "" || tg.BatchSize <= 0 {
						t.Fatalf("target %s lacks defaults: %+v", tg.ID(), tg)
					}
				}
			}
		}
	})
}
