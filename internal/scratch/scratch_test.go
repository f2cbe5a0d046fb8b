package scratch

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestTable(t *testing.T) {
	ctx := context.Background()
	tb, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dups, err := tb.Put(ctx, []string{"a", "b", "a"}, [][]byte{[]byte("1"), []byte("2"), []byte("3")})
	if err != nil || fmt.Sprint(dups) != "[a]" {
		t.Fatalf("dups = %v, %v", dups, err)
	}
	v, ok, err := tb.Take(ctx, "a")
	if err != nil || !ok || string(v) != "1" {
		t.Fatalf("Take(a) = %q %v %v", v, ok, err)
	}
	if _, ok, _ := tb.Take(ctx, "zz"); ok {
		t.Fatal("Take of an absent key found it")
	}
	var left []string
	if err := tb.Unmarked(ctx, func(k string, _ []byte) error { left = append(left, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(left) != "[b]" {
		t.Fatalf("unmarked = %v", left)
	}
	dir := tb.dir
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("scratch directory left behind")
	}
}
