// Package webhook verifies inbound change notifications (HMAC-SHA256 signatures, a timestamp
// tolerance, delivery-id de-duplication) and debounces them, so that a burst of hooks leads to one run.
package webhook
