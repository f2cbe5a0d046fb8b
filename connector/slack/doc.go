// Package slack is a Slack target (kind "slack"): each created record becomes one message, posted with
// chat.postMessage (bot token) or an incoming webhook, at most one per second per channel. Messages
// cannot be upserted, so the writer is connector.NonIdempotent and the engine records intent first.
package slack
