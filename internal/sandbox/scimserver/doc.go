// Package scimserver runs a real third-party SCIM 2.0 server, github.com/elimity-com/scim, with an
// in-memory resource handler for Users (core schema plus the enterprise extension) and Groups, behind
// a bearer-token check and the sandbox's fault switches. It is the provisioning target of the
// hris-to-product scenario and of oneway's scim connector tests.
//
// The protocol behaviour follows RFC 7643 (schemas) and RFC 7644 (protocol):
// https://www.rfc-editor.org/rfc/rfc7643 and https://www.rfc-editor.org/rfc/rfc7644. The library
// parses and validates requests (schemas, filters, PatchOp bodies) and renders responses and error
// bodies; this package stores resources and enforces what the library leaves to the handler:
// uniqueness of userName (Users) and displayName (Groups) with 409 scimType "uniqueness"; filters
// such as userName eq "x" by evaluating the library's validated filter; PATCH add/replace/remove,
// including value-filtered paths like emails[type eq "work"].value; versions as weak ETags
// (W/"n", in meta.version and the ETag header) with If-Match checked on PUT, PATCH and DELETE (412 on
// mismatch). Library limits met along the way are listed in docs/sandbox.md.
package scimserver
