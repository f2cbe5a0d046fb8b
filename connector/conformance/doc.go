// Package conformance is the one test suite every connector runs, so that each connector's own test is
// a dozen lines and every connector is held to the same contract (the idea of rclone's fstest/fstests
// and Conduit's AcceptanceTest).
//
// A connector's test calls Run with Options that say how to open a fresh, isolated connection and,
// where needed, how to prepare a stream, seed records bypassing the connector, inspect what was written
// and map read-back values to the types written:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Options{
//			New: func(t *testing.T) connector.Conn { return memory.Open(memory.NewStore()) },
//			WriteOptions: connector.Settings{"create_table": true},
//		})
//	}
//
// A database connector's New opens a connection to a new schema or database that its t.Cleanup drops,
// and its Prepare creates the table of the schema documented on Options.
//
// Run detects what the connection implements and runs, each in a subtest on a fresh connection:
//
//   - Target: creates return one Result per change and read back as written (after Options.Normalize);
//     Update sets only the fields it carries; Delete removes; deleting an absent key succeeds;
//     SoftDelete sets its fields only; a batch applied again (new writer, or twice in one) leaves the
//     target as applying it once; unicode text (4-byte characters, control and quote characters) and
//     NULL versus "" survive (skipped with Options.NoNullDistinction); a batch of 2,500 records works;
//     a Committer shows nothing before Commit, everything after, and nothing after Close without
//     Commit; Append mode keeps two creates with the same key (skipped when OpenWriter returns an error
//     wrapping connector.ErrUnsupported); OpenWriter rejects an unknown option, naming it.
//     Read-back uses Options.Inspect, else the connection as a Source; without either, the checks that
//     need it are skipped.
//   - Source (when records can be seeded, with Options.Seed or through the Target): every record is read
//     exactly once for batch sizes 0, 1, 7 and 1000, no batch exceeds BatchSize, Next keeps returning
//     (nil, io.EOF) at the end; an empty stream reads as io.EOF at once; a missing stream is an error,
//     never an empty read; Close may be called twice; a canceled context ends a read with an error,
//     never with io.EOF.
//   - CursorSource: records come in ascending (seq, id) order; From is inclusive; records sharing a
//     seq across batches of 3 are each read once by a sync that resumes from the last position after
//     every batch; records with a NULL seq come first, on every read; a missing stream is an error.
//
// What a connection lacks is skipped with the reason, never failed. After each subtest the suite checks
// with go.uber.org/goleak that the connection left no goroutine running (goroutines that existed before
// the subtest, and Options.LeakIgnore, are ignored); so Run must not run in parallel with other tests.
//
// The suite's own tests run it against deliberately broken variants of the memory connector, in a child
// process, and check that each defect fails the subtests meant to catch it.
package conformance
