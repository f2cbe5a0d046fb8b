package sandboxtest

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// Start runs a fake for the length of the test: newFake is a fake's constructor (such as
// greenhouse.New), called with opts and a context that outlives the test's own, so that the fake stops
// through Close alone. An error from newFake fails t at once. When the test ends the fake is closed (a
// Close error fails t) and http.DefaultClient's idle connections to it are dropped, so that goleak
// finds no goroutine left behind.
func Start[O any, F io.Closer](t testing.TB, newFake func(context.Context, O) (F, error), opts O) F {
	t.Helper()
	f, err := newFake(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
		http.DefaultClient.CloseIdleConnections()
	})
	return f
}
