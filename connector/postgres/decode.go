package postgres

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// decoder turns one value as the server sent it (never NULL) into a canonical value. raw is only valid during
// the call, so decoders copy what they keep.
type decoder func(raw []byte) (any, error)

const (
	textFormat   int16 = 0
	binaryFormat int16 = 1
)

// columnDecoder returns how to read a column: the types below in binary format, decoded exactly; arrays of
// them as []any; every other type (enum, interval, inet, citext ...) as its PostgreSQL text form, a string.
func columnDecoder(c column) (decoder, int16) {
	if c.elem != 0 {
		if elem := scalarDecoder(c.elem); elem != nil {
			return arrayDecoder(elem), binaryFormat
		}
		return decodeText, textFormat
	}
	if dec := scalarDecoder(c.oid); dec != nil {
		return dec, binaryFormat
	}
	return decodeText, textFormat
}

// scalarDecoder returns the binary decoder for type oid, or nil when the type is read as text.
func scalarDecoder(oid uint32) decoder {
	switch oid {
	case pgtype.Int2OID:
		return fixed(2, func(b []byte) (any, error) { return int64(int16(binary.BigEndian.Uint16(b))), nil })
	case pgtype.Int4OID:
		return fixed(4, func(b []byte) (any, error) { return int64(int32(binary.BigEndian.Uint32(b))), nil })
	case pgtype.OIDOID:
		return fixed(4, func(b []byte) (any, error) { return int64(binary.BigEndian.Uint32(b)), nil })
	case pgtype.Int8OID:
		return fixed(8, func(b []byte) (any, error) { return int64(binary.BigEndian.Uint64(b)), nil })
	case pgtype.Float4OID:
		return fixed(4, decodeFloat4)
	case pgtype.Float8OID:
		return fixed(8, decodeFloat8)
	case pgtype.NumericOID:
		return decodeNumeric
	case pgtype.BoolOID:
		return fixed(1, func(b []byte) (any, error) { return b[0] != 0, nil })
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return decodeText
	case pgtype.ByteaOID:
		return func(b []byte) (any, error) { return bytes.Clone(b), nil }
	case pgtype.DateOID:
		return fixed(4, decodeDate)
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		return fixed(8, decodeTimestamp)
	case pgtype.UUIDOID:
		return fixed(16, decodeUUID)
	case pgtype.JSONOID:
		return decodeJSON
	case pgtype.JSONBOID:
		return decodeJSONB
	}
	return nil
}

// fixed checks the length of a fixed-size binary value before decoding it.
func fixed(n int, dec decoder) decoder {
	return func(b []byte) (any, error) {
		if len(b) != n {
			return nil, fmt.Errorf("binary value of %d bytes, want %d", len(b), n)
		}
		return dec(b)
	}
}

func decodeText(b []byte) (any, error) { return string(b), nil }

// errNoCanonical is wrapped by errors for values that no canonical type can hold (NaN, infinity).
var errNoCanonical = errors.New("has no canonical form (NaN and infinity cannot be synced)")

// decodeFloat4 returns a real as the float64 of its shortest decimal form (real 0.1 reads as 0.1, not
// 0.10000000149011612), which converts back to the same real.
func decodeFloat4(b []byte) (any, error) {
	f := math.Float32frombits(binary.BigEndian.Uint32(b))
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return nil, fmt.Errorf("real %v %w", f, errNoCanonical)
	}
	return strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
}

func decodeFloat8(b []byte) (any, error) {
	f := math.Float64frombits(binary.BigEndian.Uint64(b))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("double precision %v %w", f, errNoCanonical)
	}
	return f, nil
}

// decodeNumeric returns a numeric's exact text, with the scale the server keeps (12.30 stays 12.30), as a
// json.Number.
func decodeNumeric(b []byte) (any, error) {
	s, err := numericText(b)
	if err != nil {
		return nil, err
	}
	return json.Number(s), nil
}

// numericText converts PostgreSQL's binary numeric (base-10000 digits, a weight, a sign and a display scale)
// to the text the server's numeric_out prints.
func numericText(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("numeric of %d bytes is incomplete", len(b))
	}
	ndigits := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(int16(binary.BigEndian.Uint16(b[6:])))
	switch sign {
	case 0x0000, 0x4000:
	case 0xC000:
		return "", fmt.Errorf("numeric NaN %w", errNoCanonical)
	case 0xD000, 0xF000:
		return "", fmt.Errorf("numeric infinity %w", errNoCanonical)
	default:
		return "", fmt.Errorf("numeric with unknown sign %#x", sign)
	}
	if len(b) != 8+2*ndigits || dscale < 0 {
		return "", fmt.Errorf("malformed numeric of %d bytes", len(b))
	}
	digit := func(g int) int {
		if g < 0 || g >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[8+2*g:]))
	}
	out := make([]byte, 0, 2+4*(max(weight, 0)+1)+dscale+4)
	if sign == 0x4000 {
		out = append(out, '-')
	}
	if weight < 0 {
		out = append(out, '0')
	} else {
		out = strconv.AppendInt(out, int64(digit(0)), 10)
		for g := 1; g <= weight; g++ {
			out = appendDigits4(out, digit(g))
		}
	}
	if dscale > 0 {
		out = append(out, '.')
		start := len(out)
		for g := weight + 1; len(out)-start < dscale; g++ {
			out = appendDigits4(out, digit(g))
		}
		out = out[:start+dscale]
	}
	return string(out), nil
}

func appendDigits4(b []byte, d int) []byte {
	return append(b, byte('0'+d/1000%10), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
}

// pgEpoch is PostgreSQL's zero for dates and timestamps, 2000-01-01 UTC, in Unix seconds.
const pgEpoch = 946684800

// decodeDate returns a date as midnight UTC.
func decodeDate(b []byte) (any, error) {
	days := int32(binary.BigEndian.Uint32(b))
	if days == math.MaxInt32 || days == math.MinInt32 {
		return nil, fmt.Errorf("date infinity %w", errNoCanonical)
	}
	return time.Date(2000, 1, 1+int(days), 0, 0, 0, 0, time.UTC), nil
}

// decodeTimestamp returns a timestamp (microseconds) in UTC; a timestamp without time zone is taken as UTC.
func decodeTimestamp(b []byte) (any, error) {
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return nil, fmt.Errorf("timestamp infinity %w", errNoCanonical)
	}
	sec, rem := us/1e6, us%1e6
	if rem < 0 {
		sec, rem = sec-1, rem+1e6
	}
	return time.Unix(pgEpoch+sec, rem*1e3).UTC(), nil
}

// decodeUUID returns the canonical text form, lower case with dashes.
func decodeUUID(b []byte) (any, error) {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:16])
	return string(s[:]), nil
}

func decodeJSONB(b []byte) (any, error) {
	if len(b) == 0 || b[0] != 1 {
		return nil, fmt.Errorf("jsonb in an unknown binary version")
	}
	return decodeJSON(b[1:])
}

// decodeJSON decodes a JSON document into canonical values. Numbers become int64 when they are written as
// integers that fit, and json.Number (the exact text) otherwise, as connector.DecodeKey does; never float64,
// which would round.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return jsonNumbers(v), nil
}

func jsonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	}
	return v
}

// arrayDecoder decodes PostgreSQL's binary array format: a one-dimensional array becomes []any of element
// values (NULL elements are nil), a multi-dimensional one nested []any. Lower bounds other than 1 are not
// kept.
func arrayDecoder(elem decoder) decoder {
	return func(b []byte) (any, error) {
		if len(b) < 12 {
			return nil, fmt.Errorf("array of %d bytes is incomplete", len(b))
		}
		ndim := int(int32(binary.BigEndian.Uint32(b[0:])))
		if ndim < 0 || ndim > 6 || len(b) < 12+8*ndim {
			return nil, fmt.Errorf("malformed array header")
		}
		if ndim == 0 {
			return []any{}, nil
		}
		dims := make([]int, ndim)
		total := 1
		for i := range dims {
			n := int(int32(binary.BigEndian.Uint32(b[12+8*i:])))
			if n < 0 || n > len(b) {
				return nil, fmt.Errorf("malformed array dimension %d", n)
			}
			dims[i] = n
			total *= n
			if total > len(b) {
				return nil, fmt.Errorf("array larger than its data")
			}
		}
		rest := b[12+8*ndim:]
		next := func() (any, error) {
			if len(rest) < 4 {
				return nil, fmt.Errorf("array element is incomplete")
			}
			n := int(int32(binary.BigEndian.Uint32(rest)))
			rest = rest[4:]
			if n == -1 {
				return nil, nil
			}
			if n < 0 || n > len(rest) {
				return nil, fmt.Errorf("array element of %d bytes is incomplete", n)
			}
			v, err := elem(rest[:n])
			rest = rest[n:]
			return v, err
		}
		var build func(d int) (any, error)
		build = func(d int) (any, error) {
			out := make([]any, dims[d])
			for i := range out {
				var err error
				if d == ndim-1 {
					out[i], err = next()
				} else {
					out[i], err = build(d + 1)
				}
				if err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		v, err := build(0)
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("array has %d bytes after its last element", len(rest))
		}
		return v, nil
	}
}
