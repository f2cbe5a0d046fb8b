// Package builtin registers every connector kind that ships with oneway, so that the CLI and the server
// build their registry in one line.
package builtin

import (
	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/bamboohr"
	"github.com/onewaysync/oneway/connector/file"
	"github.com/onewaysync/oneway/connector/greenhouse"
	rest "github.com/onewaysync/oneway/connector/http"
	"github.com/onewaysync/oneway/connector/mysql"
	"github.com/onewaysync/oneway/connector/postgres"
	"github.com/onewaysync/oneway/connector/salesforce"
	"github.com/onewaysync/oneway/connector/scim"
	"github.com/onewaysync/oneway/connector/slack"
	"github.com/onewaysync/oneway/connector/sqlite"
)

// Register adds the built-in kinds to r: sqlite, csv, jsonl, postgres, mysql, http, scim, slack,
// greenhouse, bamboohr and salesforce.
func Register(r *connector.Registry) {
	sqlite.Register(r)
	file.Register(r)
	postgres.Register(r)
	mysql.Register(r)
	rest.Register(r)
	scim.Register(r)
	slack.Register(r)
	greenhouse.Register(r)
	bamboohr.Register(r)
	salesforce.Register(r)
}
