package connector

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Settings are a connection's (or a target's) settings from the configuration, with secrets already
// resolved and `kind` removed. Values are what YAML decodes to: string, bool, int64/uint64, float64,
// []any, map[string]any.
type Settings map[string]any

// SettingError is an error about one setting. The configuration loader turns Key into the file and line
// of that setting; Err must never contain the value of a secret.
type SettingError struct {
	Key string
	Err error
}

func (e *SettingError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }
func (e *SettingError) Unwrap() error { return e.Err }

func settingErr(key, format string, args ...any) error {
	return &SettingError{Key: key, Err: fmt.Errorf(format, args...)}
}

// Check returns a *SettingError for the first key (in sorted order) that is not in known.
func (s Settings) Check(known ...string) error {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		found := false
		for _, kn := range known {
			if k == kn {
				found = true
				break
			}
		}
		if !found {
			return settingErr(k, "unknown setting (known: %s)", strings.Join(known, ", "))
		}
	}
	return nil
}

// String returns the string setting key, or def when it is absent.
func (s Settings) String(key, def string) (string, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return def, nil
	}
	str, ok := v.(string)
	if !ok {
		return "", settingErr(key, "must be a string, not %T", v)
	}
	return str, nil
}

// RequiredString returns the string setting key, which must be present and non-empty.
func (s Settings) RequiredString(key string) (string, error) {
	str, err := s.String(key, "")
	if err != nil {
		return "", err
	}
	if str == "" {
		return "", settingErr(key, "is required")
	}
	return str, nil
}

// Bool returns the boolean setting key, or def when it is absent.
func (s Settings) Bool(key string, def bool) (bool, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, settingErr(key, "must be true or false, not %T", v)
	}
	return b, nil
}

// Int returns the integer setting key, or def when it is absent.
func (s Settings) Int(key string, def int) (int, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return def, nil
	}
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case uint64:
		return int(n), nil
	case float64:
		if n == float64(int(n)) {
			return int(n), nil
		}
	}
	return 0, settingErr(key, "must be a whole number, not %v", v)
}

// Duration returns the duration setting key (a Go duration string such as "30s"), or def.
func (s Settings) Duration(key string, def time.Duration) (time.Duration, error) {
	str, err := s.String(key, "")
	if err != nil || str == "" {
		return def, err
	}
	d, err := time.ParseDuration(str)
	if err != nil {
		return 0, settingErr(key, "must be a duration such as 30s or 5m: %v", err)
	}
	return d, nil
}

// Strings returns the list-of-strings setting key, or nil when it is absent.
func (s Settings) Strings(key string) ([]string, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, settingErr(key, "must be a list of strings")
	}
	out := make([]string, len(list))
	for i, e := range list {
		str, ok := e.(string)
		if !ok {
			return nil, settingErr(key, "item %d must be a string", i)
		}
		out[i] = str
	}
	return out, nil
}
