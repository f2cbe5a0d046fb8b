package mysql

import (
	"errors"
	"fmt"
	"strings"
)

// table is a stream resolved to a database and a table name.
type table struct {
	db, name string
}

// String returns the qualified, quoted name for SQL text.
func (t table) String() string { return quoteIdent(t.db) + "." + quoteIdent(t.name) }

// quoteIdent quotes an identifier for MariaDB/MySQL. Every identifier in generated SQL goes through it, so
// names with backticks, semicolons, spaces or any unicode are safe: backticks are doubled inside.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// parseStream resolves a stream name: `table` or `database.table`, either part optionally quoted with
// backticks (needed only for names that contain a dot or start with a backtick; inside quotes a backtick
// is written twice). An unqualified table is looked up in defaultDB, the database of the DSN.
func parseStream(stream, defaultDB string) (table, error) {
	first, rest, err := parseIdentPart(stream)
	if err != nil {
		return table{}, fmt.Errorf("stream %q: %w", stream, err)
	}
	if rest == "" {
		if defaultDB == "" {
			return table{}, fmt.Errorf("stream %q names no database and the dsn has none: write database.table or add /database to the dsn", stream)
		}
		return table{db: defaultDB, name: first}, nil
	}
	second, rest, err := parseIdentPart(rest[1:])
	if err != nil {
		return table{}, fmt.Errorf("stream %q: %w", stream, err)
	}
	if rest != "" {
		return table{}, fmt.Errorf("stream %q: expected table or database.table (quote names that contain a dot with backticks)", stream)
	}
	return table{db: first, name: second}, nil
}

// parseIdentPart reads one identifier from the front of s and returns it and what follows it, which is
// empty or starts with '.'.
func parseIdentPart(s string) (ident, rest string, err error) {
	if s == "" {
		return "", "", errors.New("empty name")
	}
	if s[0] != '`' {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return s, "", nil
		}
		if i == 0 {
			return "", "", errors.New("empty name")
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '`' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		rest = s[i+1:]
		if rest != "" && rest[0] != '.' {
			return "", "", errors.New("unexpected text after a closing backtick")
		}
		if b.Len() == 0 {
			return "", "", errors.New("empty name")
		}
		return b.String(), rest, nil
	}
	return "", "", errors.New("unterminated backtick")
}
