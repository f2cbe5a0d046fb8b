package salesforce

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// QueryError is a SOQL error as the REST API reports it: an errorCode and a message.
type QueryError struct {
	Code    string // MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE
	Message string
}

func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokNumber
	tokDate
	tokDateTime
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokenKind
	text string // identifiers and operators as written; strings unescaped
	pos  int    // 1-based column
	t    time.Time
	n    int64
}

var (
	dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$`)
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	intRE      = regexp.MustCompile(`^\d+$`)
)

func malformed(pos int, format string, args ...any) *QueryError {
	return &QueryError{Code: "MALFORMED_QUERY", Message: fmt.Sprintf("ERROR at Row:1:Column:%d\n", pos) + fmt.Sprintf(format, args...)}
}

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			kind := map[byte]tokenKind{'(': tokLParen, ')': tokRParen, ',': tokComma}[c]
			toks = append(toks, token{kind: kind, text: string(c), pos: i + 1})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			j := i + 1
			if j < len(src) && (src[j] == '=' || (c == '<' && src[j] == '>')) {
				j++
			}
			op := src[i:j]
			if op == "!" {
				return nil, malformed(i+1, "unexpected token: '!'")
			}
			toks = append(toks, token{kind: tokOp, text: op, pos: i + 1})
			i = j
		case c == '\'':
			s, n, err := scanString(src[i:])
			if err != nil {
				return nil, malformed(i+1, "%s", err)
			}
			toks = append(toks, token{kind: tokString, text: s, pos: i + 1})
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && strings.IndexByte("0123456789-:.TZ+", src[j]) >= 0 {
				j++
			}
			tk, err := classifyNumber(src[i:j], i+1)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tk)
			i = j
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || (src[j] >= '0' && src[j] <= '9')) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j], pos: i + 1})
			i = j
		default:
			return nil, malformed(i+1, "unexpected token: '%c'", c)
		}
	}
	return append(toks, token{kind: tokEOF, text: "<EOF>", pos: len(src) + 1}), nil
}

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func scanString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\'':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string")
			}
			i++
			esc, ok := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f', '"': '"', '\'': '\'', '\\': '\\', '%': '%', '_': '_'}[s[i]]
			if !ok {
				return "", 0, fmt.Errorf("invalid escape sequence: \\%c", s[i])
			}
			if s[i] == '%' || s[i] == '_' {
				b.WriteByte('\\') // only meaningful in LIKE, which the fake does not support
			}
			b.WriteByte(esc)
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

func classifyNumber(text string, pos int) (token, error) {
	switch {
	case dateTimeRE.MatchString(text):
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return token{}, malformed(pos, "line 1:%d no viable alternative at character '%s'", pos, text)
		}
		return token{kind: tokDateTime, text: text, pos: pos, t: t}, nil
	case dateRE.MatchString(text):
		t, err := time.Parse(time.DateOnly, text)
		if err != nil {
			return token{}, malformed(pos, "line 1:%d no viable alternative at character '%s'", pos, text)
		}
		return token{kind: tokDate, text: text, pos: pos, t: t}, nil
	case intRE.MatchString(text):
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return token{}, malformed(pos, "number out of range: %s", text)
		}
		return token{kind: tokNumber, text: text, pos: pos, n: n}, nil
	}
	return token{}, malformed(pos, "line 1:%d no viable alternative at character '%s'", pos, text)
}
