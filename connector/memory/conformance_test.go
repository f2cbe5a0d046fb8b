package memory_test

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
	"github.com/onewaysync/oneway/connector/memory"
)

func store(conn connector.Conn) *memory.Store { return conn.(*memory.Conn).Store() }

func TestConformance(t *testing.T) {
	// Direct writers on streams the writer creates, seeded through the Target and read back through the
	// Source.
	t.Run("create_table", func(t *testing.T) {
		conformance.Run(t, conformance.Options{
			New: func(t *testing.T) connector.Conn {
				r := connector.NewRegistry()
				memory.Register(r, memory.NewStore())
				conn, err := r.Open("memory", nil, connector.Env{Name: t.Name()})
				if err != nil {
					t.Fatal(err)
				}
				return conn
			},
			WriteOptions: connector.Settings{"create_table": true},
		})
	})
	// Committing writers on prepared streams, seeded and inspected through the Store.
	t.Run("transactional", func(t *testing.T) {
		conformance.Run(t, conformance.Options{
			New: func(t *testing.T) connector.Conn { return memory.Open(memory.NewStore()) },
			Prepare: func(t *testing.T, conn connector.Conn, stream string) {
				store(conn).CreateStream(stream)
			},
			Seed: func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
				store(conn).Put(stream, recs...)
			},
			Inspect: func(t *testing.T, conn connector.Conn, stream string) []connector.Record {
				return store(conn).Records(stream)
			},
			WriteOptions: connector.Settings{"transactional": true},
		})
	})
}
