// Package scim is the SCIM 2.0 client target (kind "scim", RFC 7643/7644): it provisions Users and Groups
// the way Okta and Entra do (look up by filter before creating, adopt on 409, PATCH replace operations,
// deactivate with active=false) and reads them back, paginated, for verify.
package scim
