package file

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// codec is everything that differs between the csv and jsonl kinds; the rest (finding files, batching,
// mirror and append writes) is shared.
type codec interface {
	// kind is the connection kind, for messages.
	kind() string
	// ext is the file name extension, with its dot.
	ext() string
	// newDecoder reads the records of r; name is the file's path, for messages. cols, when not nil, names
	// the columns of a CSV file that has no header row.
	newDecoder(r io.Reader, name string, cols []string) (decoder, error)
	// storeValue converts a canonical value to the value a read of the file gives back (CSV: its text), so
	// that the records of an existing file and the engine's changes compare equal by key.
	storeValue(v any) (any, error)
	// newEncoder writes records to w. cols are the columns of a CSV file; JSONL ignores them.
	newEncoder(w io.Writer, cols []string) encoder
	// columnar reports whether files have a fixed list of columns (CSV).
	columnar() bool
	// headerRow reports whether files start with a row of column names.
	headerRow() bool
}

// decoder reads records from one file.
type decoder interface {
	// next returns the next record and the line it starts on; io.EOF at the end. Errors name file:line.
	next() (connector.Record, int, error)
	// columns returns the column names from the header row (CSV), or nil.
	columns() []string
}

// encoder writes records to one file. It buffers: flush before syncing.
type encoder interface {
	// header writes the header row, if the format has one.
	header() error
	// record writes one record. A record that does not fit (a field that is not a column) is an error and
	// nothing of it is written.
	record(r connector.Record) error
	flush() error
}

// storeRecord converts the values of r with c.storeValue into a new record.
func storeRecord(c codec, r connector.Record) (connector.Record, error) {
	out := make(connector.Record, len(r))
	for k, v := range r {
		if k == "" && c.columnar() {
			return nil, errors.New("a field has an empty name, which cannot be a CSV column; name it in the sync's map")
		}
		if strings.HasPrefix(k, bomText) && c.columnar() {
			return nil, fmt.Errorf("field %q starts with a byte order mark, which readers drop from a CSV file's first column; rename it in the sync's map", k)
		}
		s, err := c.storeValue(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}
