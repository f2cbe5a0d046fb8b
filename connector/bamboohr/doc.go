// Package bamboohr is the connector for the BambooHR API (kind "bamboohr"): employees as a source (the
// directory joined with each employee's fields, or the employees changed since a time) and as a target
// (create with the id from the Location header, update by id, adoption by work e-mail or employee
// number). BambooHR does not delete employees; removals are soft (a status field).
package bamboohr
