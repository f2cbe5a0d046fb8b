package seenset

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestMatchesAMap checks Seal, Iter and Contains against a map, both in memory and with spilled runs.
func TestMatchesAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spill := rapid.SampledFrom([]int{0, 40, 200, 1000}).Draw(t, "spill")
		keys := rapid.SliceOf(rapid.StringOfN(rapid.RuneFrom([]rune("ab[]1é\x00")), 0, 6, -1)).Draw(t, "keys")
		s := New(spill)
		defer s.Close()
		count := map[string]int{}
		present := map[string]bool{}
		for i, k := range keys {
			p := i%3 != 0
			if err := s.Add(k, p); err != nil {
				t.Fatal(err)
			}
			count[k]++
			present[k] = present[k] || p
		}
		if spill == 40 && len(keys) > 10 && len(s.runs) == 0 {
			t.Fatalf("nothing spilled with a threshold of 40 bytes and %d keys", len(keys))
		}
		dups, err := s.Seal()
		if err != nil {
			t.Fatal(err)
		}
		var wantDups, wantKeys []string
		for k, n := range count {
			if n > 1 {
				wantDups = append(wantDups, k)
			}
			if present[k] {
				wantKeys = append(wantKeys, k)
			}
		}
		slices.Sort(wantDups)
		slices.Sort(wantKeys)
		if len(wantDups) > maxDups {
			wantDups = wantDups[:maxDups]
		}
		if !slices.Equal(dups, wantDups) {
			t.Fatalf("dups %q, want %q", dups, wantDups)
		}
		for pass := 0; pass < 2; pass++ { // Iter starts again each time
			it, err := s.Iter()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				k, ok, err := it.Next()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				got = append(got, k)
			}
			if !slices.Equal(got, wantKeys) {
				t.Fatalf("pass %d: keys %q, want %q", pass, got, wantKeys)
			}
		}
		if s.Len() != len(wantKeys) {
			t.Fatalf("Len %d, want %d", s.Len(), len(wantKeys))
		}
		probe := append(slices.Clone(keys), "zz", "", "a")
		in, err := s.Contains(probe)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range probe {
			if in[k] != present[k] {
				t.Fatalf("Contains(%q) = %v, want %v", k, in[k], present[k])
			}
		}
	})
}

func TestMisuse(t *testing.T) {
	s := New(0)
	defer s.Close()
	if _, err := s.Iter(); err == nil {
		t.Fatal("Iter before Seal succeeded")
	}
	if _, err := s.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("x", true); err == nil {
		t.Fatal("Add after Seal succeeded")
	}
	if _, err := s.Seal(); err == nil {
		t.Fatal("second Seal succeeded")
	}
}

func BenchmarkAddSeal1M(b *testing.B) {
	keys := make([]string, 1_000_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("[%d]", i)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		s := New(0)
		for _, k := range keys {
			if err := s.Add(k, true); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Seal(); err != nil {
			b.Fatal(err)
		}
		it, _ := s.Iter()
		for {
			_, ok, err := it.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
		}
		s.Close()
	}
}
