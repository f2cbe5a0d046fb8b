package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MissingFieldError reports a key (or cursor) field absent from a record.
type MissingFieldError struct {
	Field string
}

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("key field %q is missing from the record", e.Field)
}

// KeyValues returns the values of fields in r, in order. A missing field or a NULL key value is an
// error: such a record cannot be identified.
func KeyValues(r Record, fields []string) ([]any, error) {
	vals := make([]any, len(fields))
	for i, f := range fields {
		v, ok := r[f]
		if !ok {
			return nil, &MissingFieldError{Field: f}
		}
		if v == nil {
			return nil, fmt.Errorf("key field %q is null", f)
		}
		vals[i] = v
	}
	return vals, nil
}

// EncodeKey returns the canonical encoding of key values: a JSON array of the normalized values. The same
// values always give the same string, so it is what the ledger stores.
func EncodeKey(vals []any) (string, error) {
	b, err := CanonicalJSON(vals)
	if err != nil {
		return "", fmt.Errorf("encode key: %w", err)
	}
	return string(b), nil
}

// RecordKey is KeyValues followed by EncodeKey.
func RecordKey(r Record, fields []string) (string, error) {
	vals, err := KeyValues(r, fields)
	if err != nil {
		return "", err
	}
	return EncodeKey(vals)
}

// DecodeKey reverses EncodeKey. Numbers come back as json.Number when they are not whole int64 values
// and as int64 otherwise; times come back as strings (RFC 3339), which SQL drivers accept as parameters.
func DecodeKey(s string) ([]any, error) {
	if v, ok := decodeSimpleKey(s); ok {
		return []any{v}, nil
	}
	return decodeKeyJSON(s)
}

// decodeKeyJSON is DecodeKey through the JSON decoder, for every key.
func decodeKeyJSON(s string) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil {
		return nil, fmt.Errorf("decode key %s: %w", s, err)
	}
	for i, v := range vals {
		if n, ok := v.(json.Number); ok {
			if iv, err := n.Int64(); err == nil {
				vals[i] = iv
			}
		}
	}
	return vals, nil
}

// decodeSimpleKey decodes, without the JSON decoder, the two keys nearly every sync has: one whole
// number ([42]) or one string without escapes (["c-1002"]). It gives exactly what the decoder gives, and
// ok false for anything else.
func decodeSimpleKey(s string) (any, bool) {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	in := s[1 : len(s)-1]
	if len(in) >= 2 && in[0] == '"' && in[len(in)-1] == '"' {
		str := in[1 : len(in)-1]
		for i := 0; i < len(str); i++ {
			if c := str[i]; c == '"' || c == '\\' || c < 0x20 {
				return nil, false
			}
		}
		if !utf8.ValidString(str) {
			return nil, false // the decoder would replace the invalid bytes
		}
		return str, true
	}
	digits := in
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 19 || (digits[0] == '0' && len(digits) > 1) {
		return nil, false // empty, beyond int64, or a leading zero (not JSON)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, false
		}
	}
	n, err := strconv.ParseInt(in, 10, 64)
	if err != nil {
		return nil, false
	}
	return n, true
}
