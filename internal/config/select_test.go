package config

import (
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	spec := mustLoad(t, `
		connections:
		  c: {kind: fake}
		syncs:
		  - name: alpha
		    source: {connection: c, stream: a, key: id}
		    targets: [{connection: c, stream: a2}]
		  - name: beta
		    source: {connection: c, stream: b, key: id}
		    targets: [{connection: c, stream: b2}]
		  - name: gamma
		    source: {connection: c, stream: g, key: id}
		    targets: [{connection: c, stream: g2}]
	`)
	names := func(ss []*Sync) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{in: nil, want: "alpha,beta,gamma"},
		{in: []string{}, want: "alpha,beta,gamma"},
		{in: []string{"gamma", "alpha"}, want: "alpha,gamma"},
		{in: []string{"beta", "beta"}, want: "beta"},
		{in: []string{"beta", "delta", "omega", "delta"}, wantErr: `unknown sync "delta", "omega" (known: alpha, beta, gamma)`},
	}
	for _, tt := range tests {
		got, err := spec.Select(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Select(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || names(got) != tt.want {
			t.Errorf("Select(%q) = %s, %v; want %s", tt.in, names(got), err, tt.want)
		}
	}
	all, _ := spec.Select(nil)
	all[0] = nil
	if spec.Syncs[0] == nil {
		t.Error("Select(nil) returned the Spec's own slice")
	}
}
