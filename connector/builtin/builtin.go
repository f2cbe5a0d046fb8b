// Package builtin registers every connector kind that ships with oneway, so that the CLI and the server
// build their registry in one line.
package builtin

import (
	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/file"
	"github.com/onewaysync/oneway/connector/mysql"
	"github.com/onewaysync/oneway/connector/postgres"
	"github.com/onewaysync/oneway/connector/scim"
	"github.com/onewaysync/oneway/connector/slack"
	"github.com/onewaysync/oneway/connector/sqlite"
)

// Register adds the built-in kinds to r: sqlite, csv, jsonl, postgres, mysql, scim and slack.
func Register(r *connector.Registry) {
	sqlite.Register(r)
	file.Register(r)
	postgres.Register(r)
	mysql.Register(r)
	scim.Register(r)
	slack.Register(r)
}
