// Package slack is a local fake of Slack's incoming webhooks and the chat.postMessage Web API method:
// what oneway's slack connector and the leads-to-slack scenario use. It records every accepted message
// per channel for assertions, enforces the documented posting rate per channel, and has switches for
// throttling and 5xx bursts.
//
// It was written from Slack's public documentation, not from any client:
//   - https://api.slack.com/messaging/webhooks and the error change log
//     https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks (plain-text
//     "ok"; invalid_payload 400, channel_not_found 404, channel_is_archived 410, rollup_error 500)
//   - https://docs.slack.dev/reference/methods/chat.postMessage (bearer bot token, form or JSON body,
//     {"ok":true,"channel","ts","message"}; errors as {"ok":false,"error":...} with HTTP 200:
//     not_authed, invalid_auth, channel_not_found, is_archived, no_text, invalid_blocks, msg_too_long)
//   - https://docs.slack.dev/apis/web-api/rate-limits (chat.postMessage: about one message per second
//     per channel; past a limit HTTP 429 with Retry-After in seconds and error "ratelimited"; incoming
//     webhooks: one per second)
package slack
