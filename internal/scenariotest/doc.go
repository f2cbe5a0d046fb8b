// Package scenariotest runs the four example scenarios (examples/ats-to-hris, leads-to-slack,
// approved-to-client-ats, hris-to-product) end to end: each example's own oneway.yaml, loaded and
// executed as `oneway run` does, against the sandbox apps, asserting the promises of each scenario
// on the apps' stores. It has no code of its own besides tests.
package scenariotest
