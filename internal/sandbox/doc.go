// Package sandbox starts local fakes of the SaaS systems in oneway's four scenarios (Greenhouse,
// BambooHR, Salesforce, Slack) and a real SCIM 2.0 server, seeded with the scenarios' data, on
// 127.0.0.1. `oneway demo` and end-to-end tests use it; connector tests use the sub-packages directly.
//
// Each fake implements the documented subset of its API from the public documentation (cited in each
// sub-package and in docs/sandbox.md), never from a connector.
package sandbox
