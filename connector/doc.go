// Package connector is the contract between the oneway engine and the systems it reads from and writes to.
//
// A connection kind (sqlite, csv, postgres, ...) registers a Kind in a Registry. Its New function parses
// settings and returns a Conn, which implements Source, Target, or both, plus optional one-method
// interfaces (CursorSource, Committer) that the engine detects with a type assertion in one place
// (see Capabilities). Connectors never import the engine.
//
// Values in a Record are limited to the canonical types documented on Record, so that hashing, key
// encoding and the plan output mean the same thing for every connector.
package connector
