// Package sandboxtest is the test plumbing shared by the tests of the sandbox's fake APIs and of the
// connectors that run against them: a settable clock, a fake started for the length of one test, and
// plain HTTP calls whose failures fail the test. Only test files import it.
package sandboxtest
