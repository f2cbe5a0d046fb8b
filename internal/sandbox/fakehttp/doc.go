// Package fakehttp holds what every sandbox fake shares: a loopback listener that shuts down cleanly,
// a journal of received requests for "nothing was sent twice" assertions, and a fault injector that
// turns the next requests into throttled (429 + Retry-After), failing (5xx) or rate-limited answers.
//
// It knows nothing about any SaaS API: each fake decides how a fault looks on its wire (status code,
// error body, headers), because that is what its public documentation specifies.
package fakehttp
