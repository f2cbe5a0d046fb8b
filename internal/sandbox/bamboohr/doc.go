// Package bamboohr is a local fake of the BambooHR REST API: the documented employee endpoints that
// oneway's bamboohr connector and the ats-to-hris and hris-to-product scenarios use, in memory,
// seedable and inspectable from Go, with switches for throttling, 5xx bursts and bad API keys.
//
// It was written from BambooHR's public documentation, not from any client:
//   - https://documentation.bamboohr.com/docs/getting-started (API key as the Basic auth user name,
//     any password) and https://documentation.bamboohr.com/docs/api-details (base URL
//     /api/gateway.php/{companyDomain}/v1/, status codes 400, 401, 403, 404, 406, 409, 429, 503)
//   - https://documentation.bamboohr.com/docs/planned-changes-to-the-api (rate limiting answers 429,
//     formerly 503, always with Retry-After)
//   - https://documentation.bamboohr.com/reference/get-employees-directory-1 (GET employees/directory)
//   - https://documentation.bamboohr.com/reference/create-employee (POST employees/: firstName and
//     lastName required, 201 with a Location header holding the new id)
//   - https://documentation.bamboohr.com/reference/get-changed-employee-ids and
//     https://www.bamboohr.com/api/documentation/changes.php (GET employees/changed/?since=&type=)
//   - https://documentation.bamboohr.com/docs/list-of-field-names (field names)
//
// Errors carry their reason in the X-BambooHR-Error-Message header with an empty body. Responses are
// JSON when the request says Accept: application/json; this fake does not render the XML default and
// answers 406 instead, so a client that forgets the header fails here as it would on the real API.
package bamboohr
