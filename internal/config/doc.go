// Package config loads oneway.yaml into a validated Spec: defaults applied, paths made absolute, secrets
// resolved, expressions compiled. Every problem is reported with the file, line, column and field path,
// and no secret value ever appears in an error.
package config
