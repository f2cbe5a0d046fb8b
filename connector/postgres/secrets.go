package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// secrets are the strings that must never appear in an error: the DSN itself and every password in it. The
// server never echoes them, but driver errors about connecting or parsing may quote parts of the DSN.
type secrets []string

// redactMask replaces a secret in a message.
const redactMask = "[redacted]"

// minSecretLen keeps one- and two-character passwords from turning every message into a row of masks; such
// a password is no secret worth the name, and the DSN holding it is still masked as a whole.
const minSecretLen = 3

var kvPassword = regexp.MustCompile(`(?i)(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]*)`)

// newSecrets collects the secrets of dsn: the string itself, the parsed password, and every password-like
// value found in its text (URL user info, password= and sslpassword= in URL queries and key=value form),
// raw and percent-decoded.
func newSecrets(dsn string, cfg pgconn.Config) secrets {
	s := secrets{dsn}
	add := func(v string) {
		v = strings.Trim(v, "'")
		if len(v) >= minSecretLen {
			s = append(s, v)
			if dec, err := url.PathUnescape(v); err == nil && dec != v && len(dec) >= minSecretLen {
				s = append(s, dec)
			}
			if esc := url.QueryEscape(v); esc != v {
				s = append(s, esc)
			}
		}
	}
	add(cfg.Password)
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		for k, vals := range u.Query() {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
				for _, v := range vals {
					add(v)
				}
			}
		}
	}
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		add(m[1])
	}
	return s
}

// redact returns msg with every secret replaced, longest first so that a DSN is masked as a whole.
func (s secrets) redact(msg string) string {
	order := append(secrets(nil), s...)
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && len(order[j]) > len(order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for _, sec := range order {
		if sec != "" {
			msg = strings.ReplaceAll(msg, sec, redactMask)
		}
	}
	return msg
}

// redactedError is an error whose text had secrets masked. It keeps the retry classification of the
// original but not the original itself, whose text still holds the secret.
type redactedError struct {
	msg       string
	retryable bool
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Retryable() bool { return e.retryable }

// clean returns err unchanged when its text holds no secret, and a redacted copy otherwise.
func (s secrets) clean(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := s.redact(msg)
	if red == msg {
		return err
	}
	var r interface{ Retryable() bool }
	return &redactedError{msg: red, retryable: errors.As(err, &r) && r.Retryable()}
}

// parseError describes a DSN that pgx could not parse without quoting the DSN: pgx's own message quotes the
// connection string with passwords masked on a best-effort basis only.
func parseError(dsn string, err error) error {
	detail := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		// The message is "cannot parse `<dsn>`: <what> (<cause>)"; keep what comes after the quoted DSN.
		if i := strings.LastIndex(detail, "`: "); i >= 0 {
			detail = detail[i+3:]
		}
	}
	detail = newSecrets(dsn, pgconn.Config{}).redact(detail)
	return errors.New("is not a valid PostgreSQL connection string (postgres://user:password@host:5432/db?sslmode=disable or host=... user=... dbname=...): " + detail)
}
