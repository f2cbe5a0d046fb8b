// Package salesforce is the connector for the Salesforce REST API (kind "salesforce"): sObjects such as
// Lead as sources, read with SOQL through the query resource and its nextRecordsUrl pages, and
// incrementally on SystemModstamp (queryAll, when asked, also returns deleted records). It is a source
// only; it authenticates with an OAuth access token.
package salesforce
