// Package http is the generic JSON REST connector (kind "http") and the small toolkit that the SaaS
// connectors (greenhouse, bamboohr, salesforce) share: an API client bound to a base URL with auth,
// read retries and rate-limit pauses; pagination (page, offset, cursor token, Link header or a next
// URL in the body); JSON decoding to record values; a Reader over pages; and client-side cursor order.
package http
