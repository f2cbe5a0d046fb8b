package file

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onewaysync/oneway/connector"
)

// csvCodec reads CSV (RFC 4180) with csvParser and writes it with encoding/csv. Every value read is a string,
// or nil for a field equal to the null setting when one is set.
type csvCodec struct {
	comma   rune
	header  bool
	null    string
	hasNull bool
}

func (csvCodec) kind() string      { return "csv" }
func (csvCodec) ext() string       { return ".csv" }
func (csvCodec) columnar() bool    { return true }
func (c csvCodec) headerRow() bool { return c.header }

// storeValue turns a value into the text a CSV file holds (nil stays nil: it is written as the null
// setting, "" by default).
func (csvCodec) storeValue(v any) (any, error) {
	n, err := connector.Normalize(v)
	if err != nil || n == nil {
		return nil, err
	}
	s, err := formatText(n)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(s) {
		return nil, errors.New("text is not valid UTF-8")
	}
	return s, nil
}

// formatText formats a non-nil canonical value as CSV text.
func formatText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return formatFloat(x), nil
	case json.Number:
		return string(x), nil // its digits as given (12.50 stays 12.50)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	default: // map[string]any, []any
		b, err := connector.CanonicalJSON(x)
		return string(b), err
	}
}

// formatFloat writes a whole float within ±2^53 as an integer (2e6 is 2000000, the text the same key
// gives when it comes back from the ledger as a number; 2e+06 was refused as disagreeing with it) and
// others in plain decimals between 1e-6 and 1e21 (1250000.5, not 1.2500005e+06, which a loader of an
// integer or numeric column may refuse), in the shortest exponent form beyond (1e+21); each reads back
// as the same float.
func formatFloat(x float64) string {
	switch a := math.Abs(x); {
	case x == math.Trunc(x) && a < 1<<53:
		return strconv.FormatInt(int64(x), 10)
	case a >= 1e-6 && a < 1e21:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func (c csvCodec) newDecoder(r io.Reader, name string, cols []string) (decoder, error) {
	d := &csvDecoder{p: &csvParser{r: skipBOM(r), comma: []byte(string(c.comma))}, name: name, codec: c}
	if cols != nil {
		d.cols = cols
		return d, nil
	}
	row, pos, err := d.p.readRecord(nil, nil)
	if errors.Is(err, io.EOF) {
		return d, nil // an empty file: no columns, no records
	}
	if err != nil {
		return nil, d.wrap(err)
	}
	if err := checkHeader(row); err != nil {
		return nil, fmt.Errorf("%s:%d: header row: %w", name, pos[0].line, err)
	}
	d.cols = row
	return d, nil
}

// checkHeader requires a unique, non-empty UTF-8 name for every column: the names become field names.
func checkHeader(row []string) error {
	seen := make(map[string]int, len(row))
	for i, name := range row {
		switch {
		case name == "":
			return fmt.Errorf("column %d has no name; every column needs one", i+1)
		case strings.HasPrefix(name, bomText):
			return fmt.Errorf("column %d: name starts with a byte order mark (U+FEFF); remove it", i+1)
		case !utf8.ValidString(name):
			return fmt.Errorf("column %d: name is not valid UTF-8 (oneway reads UTF-8 only; convert the file, e.g. with iconv)", i+1)
		}
		if j, dup := seen[name]; dup {
			return fmt.Errorf("columns %d and %d are both named %q; names must be unique", j+1, i+1, name)
		}
		seen[name] = i
	}
	return nil
}

type csvDecoder struct {
	p     *csvParser
	name  string
	codec csvCodec
	cols  []string
	// row and pos are reused from record to record; a record's values are fresh strings.
	row []string
	pos []fieldPos
}

func (d *csvDecoder) columns() []string { return d.cols }

// next returns the next record. A record with another number of fields than the file has columns, a
// syntax error or text that is not UTF-8 is an error naming file:line (and column where it helps).
func (d *csvDecoder) next() (connector.Record, int, error) {
	if d.cols == nil {
		return nil, 0, io.EOF
	}
	var err error
	d.row, d.pos, err = d.p.readRecord(d.row, d.pos)
	if errors.Is(err, io.EOF) {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, d.wrap(err)
	}
	line := d.pos[0].line
	if len(d.row) != len(d.cols) {
		return nil, 0, fmt.Errorf("%s:%d: wrong number of fields: %d, but the file has %d columns (%s)",
			d.name, line, len(d.row), len(d.cols), strings.Join(d.cols, ", "))
	}
	rec := make(connector.Record, len(d.cols))
	for i, v := range d.row {
		if !utf8.ValidString(v) {
			return nil, 0, fmt.Errorf("%s:%d:%d: field %q is not valid UTF-8 (oneway reads UTF-8 only; convert the file, e.g. with iconv)",
				d.name, d.pos[i].line, d.pos[i].col, d.cols[i])
		}
		if d.codec.hasNull && v == d.codec.null && !d.pos[i].quoted {
			rec[d.cols[i]] = nil
		} else {
			rec[d.cols[i]] = v
		}
	}
	return rec, line, nil
}

// wrap names the file in a parse or read error.
func (d *csvDecoder) wrap(err error) error {
	var se *csvSyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d:%d: %s", d.name, se.line, se.col, se.msg)
	}
	return fmt.Errorf("read %s: %w", d.name, err)
}

func (c csvCodec) newEncoder(w io.Writer, cols []string) encoder {
	cw := csv.NewWriter(w)
	cw.Comma = c.comma
	index := make(map[string]int, len(cols))
	for i, col := range cols {
		index[col] = i
	}
	return &csvEncoder{w: w, cw: cw, codec: c, cols: cols, index: index, row: make([]string, len(cols))}
}

type csvEncoder struct {
	w     io.Writer
	cw    *csv.Writer
	codec csvCodec
	cols  []string
	index map[string]int
	row   []string
}

func (e *csvEncoder) header() error {
	if !e.codec.header {
		return nil
	}
	return e.write(e.cols)
}

// record writes the fields of r in column order; a missing field is written like nil.
func (e *csvEncoder) record(r connector.Record) error {
	for k := range r {
		if _, ok := e.index[k]; !ok {
			return fmt.Errorf("field %q is not a column of the file (columns: %s); a CSV file cannot gain columns when appending: give the sync a map or start a new file",
				k, strings.Join(e.cols, ", "))
		}
	}
	// A text equal to the null marker is quoted, so that it reads back as that text, not as NULL.
	var force []bool
	for i, col := range e.cols {
		v := r[col]
		switch v := v.(type) {
		case nil:
			e.row[i] = e.codec.null
		case string:
			e.row[i] = v
		default:
			s, err := formatText(v)
			if err != nil {
				return fmt.Errorf("field %q: %w", col, err)
			}
			e.row[i] = s
		}
		if v != nil && e.codec.hasNull && e.row[i] == e.codec.null {
			if force == nil {
				force = make([]bool, len(e.cols))
			}
			force[i] = true
		}
	}
	if force != nil {
		return e.writeForcing(e.row, force)
	}
	return e.write(e.row)
}

// writeForcing writes a row quoting the fields of force, and the others where CSV needs it (encoding/csv
// cannot be told to quote a field that does not need it).
func (e *csvEncoder) writeForcing(row []string, force []bool) error {
	if err := e.flush(); err != nil {
		return err
	}
	var b strings.Builder
	for i, f := range row {
		if i > 0 {
			b.WriteRune(e.cw.Comma)
		}
		if force[i] || f == `\.` || strings.ContainsAny(f, "\"\r\n"+string(e.cw.Comma)) || strings.HasPrefix(f, " ") || strings.HasPrefix(f, "\t") {
			b.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
		} else {
			b.WriteString(f)
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(e.w, b.String())
	return err
}

// write writes one row. encoding/csv writes a row of one empty field as an empty line, which readers
// skip; it is written as "" instead so the record survives.
func (e *csvEncoder) write(row []string) error {
	if len(row) == 1 && row[0] == "" {
		if err := e.flush(); err != nil {
			return err
		}
		_, err := io.WriteString(e.w, "\"\"\n")
		return err
	}
	return e.cw.Write(row)
}

func (e *csvEncoder) flush() error {
	e.cw.Flush()
	return e.cw.Error()
}
