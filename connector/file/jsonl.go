package file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/onewaysync/oneway/connector"
)

// maxLine bounds one JSONL line (one record), so that a file without line breaks fails with a clear error
// instead of exhausting memory.
const maxLine = 64 << 20

type jsonlCodec struct{}

func (jsonlCodec) kind() string    { return "jsonl" }
func (jsonlCodec) ext() string     { return ".jsonl" }
func (jsonlCodec) columnar() bool  { return false }
func (jsonlCodec) headerRow() bool { return false }

// storeValue stores numbers as the decoder reads them back (convertNumbers): a key 1.50 is filed
// under [1.5] from the start, as it will be when the file is loaded again, not under [1.50] once and
// [1.5] the next run (its update then found nothing and a second line was added).
func (jsonlCodec) storeValue(v any) (any, error) {
	n, err := connector.Normalize(v) // a fresh copy: convertNumbers may change it in place
	if err != nil {
		return nil, err
	}
	return convertNumbers(n), nil
}

func (jsonlCodec) newDecoder(r io.Reader, name string, _ []string) (decoder, error) {
	return &jsonlDecoder{r: skipBOM(r), name: name}, nil
}

func (jsonlCodec) newEncoder(w io.Writer, _ []string) encoder {
	return &jsonlEncoder{w: bufio.NewWriterSize(w, 64<<10)}
}

type jsonlDecoder struct {
	r    *bufio.Reader
	name string
	line int
	buf  []byte
}

func (d *jsonlDecoder) columns() []string { return nil }

// next returns the object on the next non-blank line. A line that is not exactly one JSON object, or is
// not UTF-8, is an error naming file:line.
func (d *jsonlDecoder) next() (connector.Record, int, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return nil, 0, err
		}
		obj, lead := trimJSONSpace(line)
		if len(obj) == 0 {
			continue
		}
		rec, col, err := decodeObject(obj, lead)
		switch {
		case err != nil && col > 0:
			return nil, d.line, fmt.Errorf("%s:%d:%d: %w", d.name, d.line, col, err)
		case err != nil:
			return nil, d.line, fmt.Errorf("%s:%d: %w", d.name, d.line, err)
		}
		return rec, d.line, nil
	}
}

// readLine returns the next line without its line break; io.EOF after the last one.
func (d *jsonlDecoder) readLine() ([]byte, error) {
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		d.buf = append(d.buf, chunk...)
		if len(d.buf) > maxLine {
			return nil, fmt.Errorf("%s:%d: line longer than %d MiB", d.name, d.line+1, maxLine>>20)
		}
		switch {
		case err == nil:
			d.line++
			return d.buf[:len(d.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(d.buf) > 0:
			d.line++
			return d.buf, nil
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("read %s: %w", d.name, err)
		}
	}
}

// trimJSONSpace trims the whitespace JSON allows (and so the CR of a CRLF line end), nothing else, and
// returns how many bytes it trimmed at the start, for column numbers.
func trimJSONSpace(b []byte) ([]byte, int) {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	lead := 0
	for lead < len(b) && isSpace(b[lead]) {
		lead++
	}
	b = b[lead:]
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b, lead
}

// decodeObject decodes line, which starts lead bytes into its line, as one JSON object. col is the
// 1-based column of an error, when known, else 0.
func decodeObject(line []byte, lead int) (rec connector.Record, col int64, err error) {
	if !utf8.Valid(line) {
		return nil, 0, errors.New("not valid UTF-8 (oneway reads UTF-8 only; convert the file, e.g. with iconv)")
	}
	if line[0] != '{' {
		return nil, int64(lead) + 1, errors.New("not a JSON object: each line must hold one object such as {\"id\": 1}")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, int64(lead) + se.Offset, fmt.Errorf("invalid JSON: %v", err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, errors.New("invalid JSON: the object is not closed on this line")
		}
		return nil, 0, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, int64(lead) + dec.InputOffset() + 1, errors.New("unexpected data after the JSON object")
	}
	return connector.Record(convertNumbers(obj).(map[string]any)), 0, nil
}

// convertNumbers replaces the json.Number values in v with jsonNumber's canonical values.
func convertNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return jsonNumber(x)
	case map[string]any:
		for k, e := range x {
			x[k] = convertNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = convertNumbers(e)
		}
	}
	return v
}

type jsonlEncoder struct {
	w *bufio.Writer
}

func (e *jsonlEncoder) header() error { return nil }

// record writes r as canonical JSON (sorted keys) on one line; the JSON encoder escapes line breaks inside
// strings, so a record is always exactly one line.
func (e *jsonlEncoder) record(r connector.Record) error {
	b, err := connector.CanonicalJSON(map[string]any(r))
	if err != nil {
		return err
	}
	if _, err := e.w.Write(b); err != nil {
		return err
	}
	return e.w.WriteByte('\n')
}

func (e *jsonlEncoder) flush() error { return e.w.Flush() }
