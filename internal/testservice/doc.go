// Package testservice finds the database servers that tests use (GUIDE.md: every machine of this project
// runs them): the DSN from the environment or the local default, and, when a server cannot be reached, a
// skip that names the command starting it, or a failure under CI=true, where a missing service is a
// broken machine rather than a choice.
package testservice
