// Package server is `oneway serve`: it runs each sync on its schedule, offers an HTTP API, a dashboard,
// signed inbound webhooks and Prometheus metrics, and sends alerts. Like the CLI it is thin: every run
// and plan goes through engine.Execute, and every read of the state through the ledger.
package server
