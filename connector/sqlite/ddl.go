package sqlite

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// declaredType returns the column type create_table gives to a column whose values look like v. The
// names are chosen so that a read gives back the same canonical types (see classify); nil and values of
// no known type give a column without a declared type, which keeps whatever is written.
func declaredType(v any) string {
	n, err := connector.Normalize(v)
	if err != nil {
		return ""
	}
	switch n.(type) {
	case int64:
		return "INTEGER"
	case float64:
		return "REAL"
	case string:
		return "TEXT"
	case bool:
		return "BOOLEAN"
	case time.Time:
		return "TIMESTAMP"
	case json.Number:
		return DecimalType
	case map[string]any, []any:
		return JSONType
	case []byte:
		return "BLOB"
	}
	return ""
}

// createTableSQL returns the CREATE TABLE statement for a target table that does not exist yet. Its
// columns are fields (or, without a map, the fields of the batch's records) and the key; the key
// columns come first, are NOT NULL and form the primary key, except in append mode, where one key
// holds many records. Each column's type comes from the first non-NULL value the batch has for it.
func createTableSQL(name string, fields, key []string, appendOnly bool, batch []connector.Change) string {
	names := slices.Clone(fields)
	if fields == nil {
		seen := map[string]bool{}
		for _, ch := range batch {
			for f := range ch.Record {
				if !seen[f] {
					seen[f] = true
					names = append(names, f)
				}
			}
		}
	}
	slices.Sort(names)
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[foldName(k)] = true
	}
	cols := slices.Clone(key)
	for _, n := range names {
		if !isKey[foldName(n)] {
			cols = append(cols, n)
		}
	}

	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(quoteIdent(name))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
		if t := declaredType(sample(batch, key, c)); t != "" {
			b.WriteString(" " + t)
		}
		if isKey[foldName(c)] {
			b.WriteString(" NOT NULL")
		}
	}
	if len(key) > 0 && !appendOnly {
		b.WriteString(", PRIMARY KEY (" + quoteList(key) + ")")
	}
	b.WriteString(")")
	return b.String()
}

// sample returns the first non-nil value of field in the batch: from the records, then from the key
// values of the changes.
func sample(batch []connector.Change, key []string, field string) any {
	for _, ch := range batch {
		if v := ch.Record[field]; v != nil {
			return v
		}
	}
	for i, k := range key {
		if k != field {
			continue
		}
		for _, ch := range batch {
			if i < len(ch.Key) && ch.Key[i] != nil {
				return ch.Key[i]
			}
		}
	}
	return nil
}
