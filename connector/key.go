package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
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
