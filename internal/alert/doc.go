// Package alert tells people when a sync's health changes: it turns the outcome of each run into at
// most one event per change (ok -> failing, failing -> recovered, rejected records above or back below
// a share of a target's records) and posts each event once to a webhook (JSON) or to Slack.
package alert
