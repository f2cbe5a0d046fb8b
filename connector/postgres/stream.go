package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// table names a table as the configuration gave it: an optional schema and a name, both taken literally
// (case-sensitive, never folded to lower case) and always quoted in SQL.
type table struct {
	schema, name string
}

// parseStream parses "schema.table" or "table". A part may be double-quoted, with "" for a quote, to hold a
// dot ("my.schema"."my.table"); otherwise everything up to the first dot is the schema.
func parseStream(stream string) (table, error) {
	parts, err := splitIdent(stream)
	if err != nil {
		return table{}, fmt.Errorf("stream %q: %w", stream, err)
	}
	switch len(parts) {
	case 1:
		return table{name: parts[0]}, nil
	case 2:
		return table{schema: parts[0], name: parts[1]}, nil
	}
	return table{}, fmt.Errorf("stream %q: want table or schema.table (quote a name that holds a dot: \"a.b\")", stream)
}

func splitIdent(s string) ([]string, error) {
	var parts []string
	for {
		var part string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated quoted name")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i++
						continue
					}
					break
				}
				b.WriteByte(s[i])
			}
			part, s = b.String(), s[i+1:]
			if s != "" && s[0] != '.' {
				return nil, fmt.Errorf("unexpected text after a quoted name: %q", s)
			}
		} else {
			if i := strings.IndexByte(s, '.'); i >= 0 {
				part, s = s[:i], s[i:]
			} else {
				part, s = s, ""
			}
		}
		if part == "" {
			return nil, fmt.Errorf("empty name")
		}
		if strings.IndexByte(part, 0) >= 0 {
			return nil, fmt.Errorf("a name cannot hold a NUL byte")
		}
		parts = append(parts, part)
		if s == "" {
			return parts, nil
		}
		s = s[1:] // the dot
		if s == "" {
			return nil, fmt.Errorf("empty name after the dot")
		}
	}
}

// sql returns the quoted name for SQL statements.
func (t table) sql() string {
	if t.schema == "" {
		return pgx.Identifier{t.name}.Sanitize()
	}
	return pgx.Identifier{t.schema, t.name}.Sanitize()
}

// String returns the name for messages.
func (t table) String() string { return t.sql() }

// quoteIdent quotes one identifier.
func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }

// quoteList quotes names and joins them with commas.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
