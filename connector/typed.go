package connector

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// MarshalTyped encodes a canonical value (see Record) as JSON that keeps its Go type, so that
// UnmarshalTyped gives back the same value: a time stays a time.Time, an int64 never becomes a float64,
// a json.Number stays exact. Each value is a two-item array [tag, value] with the tags n (null), b (bool),
// i (int64), f (float64), s (string), x (bytes, base64), t (time, RFC 3339 nano), d (decimal json.Number),
// l (list) and m (map). The engine uses it for cursors, spooled plans and rejected payloads.
func MarshalTyped(v any) ([]byte, error) {
	t, err := toTyped(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

func toTyped(v any) (any, error) {
	n, err := Normalize(v)
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case nil:
		return []any{"n", nil}, nil
	case bool:
		return []any{"b", x}, nil
	case int64:
		return []any{"i", x}, nil
	case float64:
		return []any{"f", x}, nil
	case string:
		return []any{"s", x}, nil
	case []byte:
		return []any{"x", base64.StdEncoding.EncodeToString(x)}, nil
	case time.Time:
		return []any{"t", x.Format(time.RFC3339Nano)}, nil
	case json.Number:
		return []any{"d", x.String()}, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if out[i], err = toTyped(e); err != nil {
				return nil, err
			}
		}
		return []any{"l", out}, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if out[k], err = toTyped(e); err != nil {
				return nil, err
			}
		}
		return []any{"m", out}, nil
	}
	return nil, fmt.Errorf("typed: unexpected %T", n)
}

// UnmarshalTyped decodes what MarshalTyped encoded.
func UnmarshalTyped(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("typed: %w", err)
	}
	return fromTyped(raw)
}

// UnmarshalTypedRecord decodes a Record encoded with MarshalTyped.
func UnmarshalTypedRecord(data []byte) (Record, error) {
	v, err := UnmarshalTyped(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("typed: want a record, got %T", v)
	}
	return Record(m), nil
}

func fromTyped(raw any) (any, error) {
	pair, ok := raw.([]any)
	if !ok || len(pair) != 2 {
		return nil, fmt.Errorf("typed: malformed value %v", raw)
	}
	tag, _ := pair[0].(string)
	v := pair[1]
	bad := func() (any, error) { return nil, fmt.Errorf("typed: malformed %q value %v", tag, v) }
	switch tag {
	case "n":
		return nil, nil
	case "b":
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return b, nil
	case "i":
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		return n.Int64()
	case "f":
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		return n.Float64()
	case "s", "x", "t", "d":
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		switch tag {
		case "x":
			return base64.StdEncoding.DecodeString(s)
		case "t":
			return time.Parse(time.RFC3339Nano, s)
		case "d":
			return json.Number(s), nil
		}
		return s, nil
	case "l":
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := make([]any, len(list))
		for i, e := range list {
			var err error
			if out[i], err = fromTyped(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "m":
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			var err error
			if out[k], err = fromTyped(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return bad()
}
