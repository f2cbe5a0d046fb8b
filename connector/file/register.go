package file

import (
	"fmt"
	"path/filepath"
	"unicode/utf8"

	"github.com/onewaysync/oneway/connector"
)

// Register adds the kinds "csv" and "jsonl" to r.
func Register(r *connector.Registry) {
	r.Register(connector.Kind{Name: "csv", New: newCSV})
	r.Register(connector.Kind{Name: "jsonl", New: newJSONL})
}

func newJSONL(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("path"); err != nil {
		return nil, err
	}
	return newConn(s, env, jsonlCodec{})
}

func newCSV(s connector.Settings, env connector.Env) (connector.Conn, error) {
	if err := s.Check("path", "delimiter", "header", "null"); err != nil {
		return nil, err
	}
	delim, err := s.String("delimiter", ",")
	if err != nil {
		return nil, err
	}
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) || !validDelimiter(comma) {
		return nil, &connector.SettingError{Key: "delimiter", Err: fmt.Errorf(
			"must be one character other than a double quote, CR or LF, such as \",\", \";\" or \"\\t\"; got %q", delim)}
	}
	header, err := s.Bool("header", true)
	if err != nil {
		return nil, err
	}
	c := csvCodec{comma: comma, header: header}
	if _, ok := s["null"]; ok {
		null, err := s.String("null", "")
		if err != nil {
			return nil, err
		}
		if !utf8.ValidString(null) {
			return nil, &connector.SettingError{Key: "null", Err: fmt.Errorf("must be valid UTF-8 text")}
		}
		c.null, c.hasNull = null, true
	}
	return newConn(s, env, c)
}

func validDelimiter(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && utf8.ValidRune(r)
}

// newConn resolves the path setting. It does no I/O: whether path names one file or a folder is decided by
// its extension, so that `oneway validate` can run anywhere.
func newConn(s connector.Settings, env connector.Env, c codec) (*Conn, error) {
	p, err := s.RequiredString("path")
	if err != nil {
		return nil, err
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(env.BaseDir, p)
	}
	return &Conn{codec: c, root: filepath.Clean(p), single: filepath.Ext(p) == c.ext()}, nil
}
