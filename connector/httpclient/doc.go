// Package httpclient is the HTTP client every HTTP-based connector uses: timeouts, a cap on response
// size, a dialer that refuses link-local and cloud metadata addresses (checked at dial time, so neither
// a redirect nor DNS can get around it), and one mapping of HTTP statuses to transient or permanent
// errors, honouring Retry-After.
package httpclient
