package conformance

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/onewaysync/oneway/connector"
)

// suite carries the options through the tests.
type suite struct {
	opts Options
}

// Run runs the conformance suite against the connector that opts describes: the Target tests when its
// connections are connector.Targets, the Source tests when they are connector.Sources (and records can
// be seeded), the CursorSource tests when they are connector.CursorSources. Features a connector lacks
// are skipped with the reason, never failed. Each test opens a fresh connection with Options.New and
// checks, after closing it, that no goroutine it started is still running. Run must not be called from
// a parallel test, since goroutines of other tests would count as leaks.
func Run(t *testing.T, opts Options) {
	if opts.New == nil {
		t.Fatal("conformance: Options.New is required")
	}
	s := &suite{opts: opts}

	// A first connection tells which tests apply; it must leave nothing running either.
	before := s.leakOptions()
	probe := opts.New(t)
	_, isTarget := probe.(connector.Target)
	_, isSource := probe.(connector.Source)
	_, isCursor := probe.(connector.CursorSource)
	if err := probe.Close(); err != nil {
		t.Errorf("Close of a connection that did nothing: %v", err)
	}
	if err := goleak.Find(before...); err != nil {
		t.Errorf("goroutines still running after a connection that did nothing was closed: %v", err)
	}
	canSeed := opts.Seed != nil || isTarget

	t.Run("Target", func(t *testing.T) {
		if !isTarget {
			t.Skip("the connection is not a connector.Target")
		}
		s.targetTests(t)
	})
	t.Run("Source", func(t *testing.T) {
		switch {
		case !isSource:
			t.Skip("the connection is not a connector.Source")
		case !canSeed:
			t.Skip("cannot seed records: Options.Seed is nil and the connection is not a connector.Target")
		}
		s.sourceTests(t)
	})
	t.Run("CursorSource", func(t *testing.T) {
		switch {
		case !isCursor:
			t.Skip("the connection is not a connector.CursorSource")
		case !canSeed:
			t.Skip("cannot seed records: Options.Seed is nil and the connection is not a connector.Target")
		}
		s.cursorTests(t)
	})
}

// test runs fn as a subtest with a fresh connection, closed at the end, then checks for leaked
// goroutines.
func (s *suite) test(t *testing.T, name string, fn func(t *testing.T, conn connector.Conn)) {
	t.Run(name, func(t *testing.T) {
		s.checkLeaks(t)
		conn := s.opts.New(t)
		t.Cleanup(func() {
			if err := conn.Close(); err != nil {
				t.Errorf("Close connection: %v", err)
			}
		})
		fn(t, conn)
	})
}

// checkLeaks fails t if goroutines started during t are still running when t and its cleanups are
// done. Goroutines that exist now are ignored: they belong to the test binary or to earlier tests, which
// report their own leaks.
func (s *suite) checkLeaks(t *testing.T) {
	opts := s.leakOptions()
	t.Cleanup(func() {
		if err := goleak.Find(opts...); err != nil {
			t.Errorf("goroutines still running after the connection was closed: %v", err)
		}
	})
}

// leakOptions ignores the goroutines running now and those of Options.LeakIgnore.
func (s *suite) leakOptions() []goleak.Option {
	return append([]goleak.Option{goleak.IgnoreCurrent()}, s.opts.LeakIgnore...)
}
