package mysql

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// kind says how a result column's driver value becomes a canonical connector value. With parseTime and
// the text protocol (interpolateParams), the driver returns int64 for integers, uint64 for BIGINT
// UNSIGNED, float32 for FLOAT, float64 for DOUBLE, time.Time for DATE/DATETIME/TIMESTAMP and bytes for
// everything else; the kinds below add the meaning the bytes carry.
type kind int

const (
	kindValue   kind = iota // int64, uint64, float32/64, time.Time or binary bytes: connector.Normalize
	kindBool                // TINYINT(1) read as bool
	kindText                // character data: string
	kindDecimal             // DECIMAL: json.Number holding the exact text
	kindJSON                // JSON: the decoded value
	kindBit                 // BIT(n): the unsigned number
)

// columnKind decides the kind of a result column from its wire type name and the table's column.
func columnKind(ct *sql.ColumnType, col column, boolTinyint bool) kind {
	switch ct.DatabaseTypeName() {
	case "TINYINT", "UNSIGNED TINYINT":
		if boolTinyint && col.isTinyint1() {
			return kindBool
		}
	case "DECIMAL":
		return kindDecimal
	case "BIT":
		return kindBit
	case "JSON":
		return kindJSON
	case "CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "TIME":
		if col.json {
			return kindJSON
		}
		return kindText
	}
	return kindValue
}

// rawKind reports the kinds scanned into sql.RawBytes (decoded from the driver's buffer with one copy).
func (k kind) raw() bool { return k == kindText || k == kindDecimal || k == kindJSON || k == kindBit }

// decode converts one scanned value. dest is the pointer the row was scanned into.
func (k kind) decode(dest any) (any, error) {
	if k.raw() {
		raw := *dest.(*sql.RawBytes)
		if raw == nil {
			return nil, nil
		}
		switch k {
		case kindText:
			return string(raw), nil
		case kindDecimal:
			return json.Number(string(raw)), nil
		case kindJSON:
			return decodeJSON(raw)
		default: // kindBit
			if len(raw) > 8 {
				return nil, fmt.Errorf("BIT value of %d bytes", len(raw))
			}
			var u uint64
			for _, b := range raw {
				u = u<<8 | uint64(b)
			}
			return connector.Normalize(u)
		}
	}
	v := *dest.(*any)
	if k == kindBool && v != nil {
		n, ok := v.(int64)
		if !ok || (n != 0 && n != 1) {
			return nil, fmt.Errorf("TINYINT(1) column read as a boolean holds %v; set tinyint1_as_bool: false on the connection to read it as a number", v)
		}
		return n == 1, nil
	}
	return connector.Normalize(v)
}

// decodeJSON decodes a JSON document into canonical values: whole numbers that fit become int64, other
// numbers json.Number with their exact text (the convention of connector.DecodeKey), a JSON null nil.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: text after the value")
	}
	return wholeNumbers(v), nil
}

func wholeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n
		}
	case map[string]any:
		for k, e := range x {
			x[k] = wholeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = wholeNumbers(e)
		}
	}
	return v
}

// encode converts a canonical value into a statement argument for column col. JSON columns get the
// canonical JSON text of any value (a string becomes a JSON string); objects and lists written to other
// columns become their canonical JSON text too. Strings for DATE/DATETIME/TIMESTAMP columns in RFC 3339
// (how connector.DecodeKey returns times) are parsed, since the server does not read the zone suffix.
func encode(col column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if col.json {
		b, err := connector.CanonicalJSON(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	switch x := v.(type) {
	case map[string]any, []any, connector.Record:
		b, err := connector.CanonicalJSON(x)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case string:
		if col.isTemporal() {
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.UTC(), nil
			}
		}
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("value %v cannot be stored", x)
		}
		return x, nil
	case bool, int64, json.Number, []byte:
		return x, nil
	}
	n, err := connector.Normalize(v)
	if err != nil {
		return nil, err
	}
	if _, ok := n.(map[string]any); ok {
		return encode(col, n)
	}
	if _, ok := n.([]any); ok {
		return encode(col, n)
	}
	return n, nil
}

// encodedSize is an upper bound of the bytes v takes in interpolated SQL text (escapes included), so that
// statements can be cut below max_allowed_packet.
func encodedSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return 2 + len(x) + escapeCount(x)
	case []byte:
		return 9 + len(x) + escapeCount(x) // _binary'...'
	case json.Number:
		return 2 + len(x)
	case time.Time:
		return 30
	case bool:
		return 1
	default:
		return 24
	}
}

// escapeCount counts the bytes that backslash escaping doubles.
func escapeCount[T string | []byte](s T) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0, '\n', '\r', '\\', '\'', '"', 0x1a:
			n++
		}
	}
	return n
}
