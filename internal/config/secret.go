package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxSecretFile bounds what ${file:PATH} reads: a secret is small, and a path such as /dev/zero must not
// hang validation.
const maxSecretFile = 1 << 20

// secrets resolves ${env:NAME} and ${file:PATH} references and remembers every value it produced, so that
// Redact can remove them from any text.
type secrets struct {
	dir    string // relative ${file:...} paths resolve against it
	values []string
}

// resolve expands the references in s. `$${` stands for a literal `${`; any other `${...}` is an error,
// so that a typo such as ${ENV:X} is not sent to a server as text. Errors name the reference, never a value.
func (sc *secrets) resolve(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("a ${ has no closing }; to write a literal ${, write $${")
		}
		ref := s[i+2 : i+end]
		v, err := sc.lookup(ref)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

func (sc *secrets) lookup(ref string) (string, error) {
	source, name, _ := strings.Cut(ref, ":")
	switch {
	case source == "env" && name != "":
		v, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("${env:%s}: environment variable %s is not set", name, name)
		}
		sc.remember(v)
		return v, nil
	case source == "file" && name != "":
		v, err := sc.readFile(name)
		if err != nil {
			return "", fmt.Errorf("${file:%s}: %w", name, err)
		}
		sc.remember(v)
		return v, nil
	}
	return "", fmt.Errorf("${%s} is not a reference oneway knows: write ${env:NAME} or ${file:PATH} (or $${ for a literal ${)", ref)
}

// readFile reads a secret file, without a trailing newline (editors add one).
func (sc *secrets) readFile(name string) (string, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(sc.dir, path)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("cannot read secret file %s: %w", path, pathless(err))
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read secret file %s: %w", path, pathless(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read secret file %s: %w", path, pathless(err))
	}
	if len(data) > maxSecretFile {
		return "", fmt.Errorf("secret file %s is larger than %d bytes", path, maxSecretFile)
	}
	v := strings.TrimSuffix(string(data), "\n")
	return strings.TrimSuffix(v, "\r"), nil
}

// pathless drops the path from a *fs.PathError, which the message names already.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// minSecretLen is the shortest value redaction hides. `${env:..}` also carries plain settings (a channel
// name, an id): hiding "leads" or "1003" wherever it appears would mangle sync names and record keys in
// every message, while a secret that short protects nothing.
const minSecretLen = 6

// remember keeps v and the forms it takes inside URLs, which is how it shows up in a DSN that a driver
// quotes back in an error.
func (sc *secrets) remember(v string) {
	if len(v) < minSecretLen {
		return
	}
	for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
		if !contains(sc.values, form) {
			sc.values = append(sc.values, form)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	sort.SliceStable(sc.values, func(i, j int) bool { return len(sc.values[i]) > len(sc.values[j]) })
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// redact replaces every remembered secret in text with ***.
func redact(values []string, text string) string {
	for _, v := range values {
		text = strings.ReplaceAll(text, v, "***")
	}
	return text
}

// Redact returns text with every resolved secret value replaced by "***". Run anything that may quote a
// connection setting (a driver's error, a URL) through it before printing or storing it.
func (s *Spec) Redact(text string) string {
	if s == nil {
		return text
	}
	return redact(s.secrets, text)
}
