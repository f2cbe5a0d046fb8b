package httpclient

import (
	"math"
	"testing"
)

func TestEncodeJSON(t *testing.T) {
	got, err := EncodeJSON(map[string]any{"text": "<a & b>", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"n":1,"text":"<a & b>"}`; string(got) != want {
		t.Errorf("EncodeJSON = %s, want %s (no HTML escaping, no newline)", got, want)
	}
	if _, err := EncodeJSON(math.NaN()); err == nil {
		t.Error("EncodeJSON(NaN) returned no error")
	}
}
