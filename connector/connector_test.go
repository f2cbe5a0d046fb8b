package connector

import (
	"errors"
	"testing"
)

// A writer that adopts records by key only refuses any other match instead of ignoring it, which would
// create duplicates of the records the user meant to adopt.
func TestMatchOnlyByKey(t *testing.T) {
	for _, tc := range []struct {
		key, match []string
		ok         bool
	}{
		{[]string{"id"}, nil, true},
		{[]string{"id"}, []string{"ID"}, true},
		{[]string{"org", "login"}, []string{"login", "org"}, true},
		{[]string{"id"}, []string{"email"}, false},
		{[]string{"org", "login"}, []string{"login"}, false},
	} {
		err := WriteRequest{Key: tc.key, Match: tc.match}.MatchOnlyByKey()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrUnsupported)) {
			t.Errorf("key %v, match %v: %v", tc.key, tc.match, err)
		}
	}
}
