// Package greenhouse is the connector for the Greenhouse Harvest API v1 (kind "greenhouse"): candidates,
// applications, jobs, users, offers and a joined hired_candidates stream as sources, read through the
// Link-header pagination with rate-limit pauses, and candidates as a target (create, edit, delete on
// behalf of a user, adoption of existing candidates by e-mail).
package greenhouse
