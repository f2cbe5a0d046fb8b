// Package salesforce is a local fake of the Salesforce REST API's query resources for the Lead object:
// what oneway's salesforce connector and the leads-to-slack scenario use, in memory, seedable and
// inspectable from Go, with switches for request limits, 5xx bursts and bad tokens.
//
// It was written from Salesforce's public documentation, not from any client:
//   - REST API Developer Guide, Query and QueryAll resources and their More Results resources:
//     https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
//     .../resources_queryall.htm and https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.md
//     (done, totalSize, records, nextRecordsUrl; queryAll returns deleted records; a nextRecordsUrl
//     from queryAll says "query" and may be fetched from either resource)
//   - Query Options header: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm
//     (Sforce-Query-Options: batchSize=200..2000, default 2000, "no guarantee" the batch is that size)
//   - Status Codes and Error Responses: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
//     (401 INVALID_SESSION_ID; 403 REQUEST_LIMIT_EXCEEDED; error bodies [{"message","errorCode"}])
//   - SOQL and SOSL Reference, Date Formats and Date Literals in WHERE:
//     https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.md
//   - REST API "Valid Date and DateTime Formats" (optional milliseconds):
//     https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm
//
// The SOQL it understands is a strict subset: SELECT field, ... FROM Lead [WHERE condition]
// [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n], where a condition compares
// a field with a literal (=, !=, <>, <, <=, >, >=, IN, NOT IN), joined by AND or by OR (mixing them
// needs parentheses, as in SOQL) and negated with NOT. Anything else is answered with a documented
// MALFORMED_QUERY, INVALID_FIELD or INVALID_TYPE error, never silently ignored.
package salesforce
