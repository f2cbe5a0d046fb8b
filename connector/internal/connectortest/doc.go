// Package connectortest holds what the tests of connector packages share: opening a connection or a
// writer for the length of one test, reading a stream to its end and applying changes, each failing
// the test on an error it does not expect. Only test files import it; the contract itself is checked
// by connector/conformance.
package connectortest
