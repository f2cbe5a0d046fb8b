// Package greenhouse is a local fake of the Greenhouse Harvest API (v1): the documented subset that
// oneway's greenhouse connector and the ats-to-hris and approved-to-client-ats scenarios use, kept in
// memory, seedable and inspectable from Go, with switches for throttling, 5xx bursts and bad tokens.
//
// It was written from the public Harvest documentation, not from any client:
//   - https://developers.greenhouse.io/harvest.html (Authentication, Throttling, Pagination, Validation,
//     Errors; Candidates, Applications, Jobs, Users, Offers). Its source is the open repository
//     github.com/grnhse/greenhouse-api-docs (source/includes/harvest/_introduction.md, _candidates.md,
//     _applications.md, _jobs.md, _users.md, _offers.md).
//
// What it does, per those pages: HTTP Basic auth with the API token as user name (401 otherwise);
// X-RateLimit-Limit and X-RateLimit-Remaining on every answer, and 429 without them (plus Retry-After)
// past the limit per 10 seconds; every list paginated with per_page (1..500, default 100) and page, and
// an RFC 5988 Link header with next, prev and last (last dropped with skip_count=true, no header at all
// when there is one page); 422 with {"message":"Validation error","errors":[{message,field}]} for
// invalid input; writes need the On-Behalf-Of header naming a user. Choices the documentation leaves
// open are listed in docs/sandbox.md.
package greenhouse
