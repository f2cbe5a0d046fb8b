package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// The spool holds every planned change of a run, so it is written and read once per changed record:
// a compact binary form keeps that cheap (JSON spent most of a first sync's CPU re-scanning records).
// Values are a tag byte followed by their bytes; lengths and integers are varints.

const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagBytes
	tagTime
	tagDecimal
	tagList
	tagMap
)

var errCodec = errors.New("plan spool: malformed data")

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt), x), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), nil
	case string:
		return appendString(append(b, tagString), x), nil
	case []byte:
		return appendBytes(append(b, tagBytes), x), nil
	case time.Time:
		b = binary.AppendVarint(append(b, tagTime), x.Unix())
		return binary.AppendUvarint(b, uint64(x.Nanosecond())), nil
	case json.Number:
		return appendString(append(b, tagDecimal), string(x)), nil
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		var err error
		for _, e := range x {
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		return appendMap(append(b, tagMap), x)
	case connector.Record:
		return appendMap(append(b, tagMap), x)
	}
	n, err := connector.Normalize(v)
	if err != nil {
		return nil, err
	}
	return appendValue(b, n)
}

func appendMap(b []byte, m map[string]any) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(m)))
	var err error
	for k, e := range m {
		b = appendString(b, k)
		if b, err = appendValue(b, e); err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytes(b []byte, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

// decoder reads what the append functions wrote.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCodec
	}
	d.b = nil
}

func (d *decoder) raw() []byte {
	n := d.uvarint()
	if uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) value() any {
	switch d.byte() {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagInt:
		return d.varint()
	case tagFloat:
		if len(d.b) < 8 {
			d.fail()
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		return f
	case tagString:
		return d.str()
	case tagBytes:
		return append([]byte{}, d.raw()...)
	case tagTime:
		sec := d.varint()
		return time.Unix(sec, int64(d.uvarint())).UTC()
	case tagDecimal:
		return json.Number(d.str())
	case tagList:
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.fail()
			return nil
		}
		list := make([]any, n)
		for i := range list {
			list[i] = d.value()
		}
		return list
	case tagMap:
		return d.mapValue()
	}
	d.fail()
	return nil
}

func (d *decoder) mapValue() map[string]any {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	m := make(map[string]any, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.value()
	}
	return m
}

// encodePlanned appends one planned change.
func encodePlanned(b []byte, p *planned, rec connector.Record) ([]byte, error) {
	b = append(b, byte(p.Action), p.flags())
	b = appendString(b, p.Key)
	b = appendString(b, p.TKey)
	b = appendString(b, p.TID)
	b = appendString(b, p.Hash)
	b = appendBytes(b, p.Doc)
	if rec == nil {
		return append(b, tagNil), nil
	}
	return appendMap(append(b, tagMap), rec)
}

func decodePlanned(b []byte) (planned, error) {
	d := &decoder{b: b}
	var p planned
	p.Action = connector.Action(d.byte())
	p.setFlags(d.byte())
	p.Key, p.TKey, p.TID, p.Hash = d.str(), d.str(), d.str(), d.str()
	p.Doc = bytes.Clone(d.raw()) // nothing of p aliases b, which the spool reuses
	if v := d.value(); v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			d.fail()
		}
		p.Rec = connector.Record(m)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return p, d.err
}
