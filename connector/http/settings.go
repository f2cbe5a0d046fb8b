package http

import (
	"errors"
	"fmt"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
)

// Sub returns the nested settings under key (a YAML mapping), nil when absent.
func Sub(s connector.Settings, key string) (connector.Settings, error) {
	v, ok := s[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &connector.SettingError{Key: key, Err: fmt.Errorf("must be a mapping, not %T", v)}
	}
	return connector.Settings(m), nil
}

// Prefix puts prefix in front of the key of a *connector.SettingError inside err ("streams.users" +
// "path"), so that errors about nested settings point at their line; other errors get the prefix as
// their key.
func Prefix(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var se *connector.SettingError
	if errors.As(err, &se) {
		return &connector.SettingError{Key: prefix + "." + se.Key, Err: se.Err}
	}
	return &connector.SettingError{Key: prefix, Err: err}
}

// ClientOptions reads the settings every HTTP connector shares: timeout (a duration, default 30s),
// max_response_bytes (default 32 MiB) and allow_link_local (default false).
func ClientOptions(s connector.Settings) (httpclient.Options, error) {
	var o httpclient.Options
	var err error
	if o.Timeout, err = s.Duration("timeout", 30*time.Second); err != nil {
		return o, err
	}
	if o.Timeout <= 0 {
		return o, &connector.SettingError{Key: "timeout", Err: errors.New("must be positive")}
	}
	size, err := s.Int("max_response_bytes", 32<<20)
	if err != nil {
		return o, err
	}
	if size <= 0 {
		return o, &connector.SettingError{Key: "max_response_bytes", Err: errors.New("must be positive")}
	}
	o.MaxResponseBytes = int64(size)
	if o.AllowLinkLocal, err = s.Bool("allow_link_local", false); err != nil {
		return o, err
	}
	return o, nil
}

// ClientSettings are the keys ClientOptions reads, for Settings.Check.
var ClientSettings = []string{"allow_link_local", "max_response_bytes", "timeout"}

// StringMap returns the mapping of strings under key (headers, query parameters); numbers and
// booleans are written as text.
func StringMap(s connector.Settings, key string) (map[string]string, error) {
	sub, err := Sub(s, key)
	if err != nil || sub == nil {
		return nil, err
	}
	out := make(map[string]string, len(sub))
	for k, v := range sub {
		str, ok := Scalar(v)
		if !ok {
			if u, isU := v.(uint64); isU {
				str, ok = fmt.Sprint(u), true
			}
		}
		if !ok {
			return nil, &connector.SettingError{Key: key + "." + k, Err: fmt.Errorf("must be a string, number or boolean, not %T", v)}
		}
		out[k] = str
	}
	return out, nil
}
