package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/onewaysync/oneway/connector"
)

// Reader streams the records of one or more files in batches; it holds one open file at a time and never
// a whole file in memory. Files are opened read-only.
type Reader struct {
	codec codec
	files []string
	batch int

	f   *os.File
	dec decoder
	err error // sticky: once a read failed, every later Next fails the same way
}

// Next returns up to the batch size of records; (nil, io.EOF) after the last one. A malformed record is
// an error naming file:line, which ends the read (the engine then removes nothing).
func (r *Reader) Next(ctx context.Context) ([]connector.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	var out []connector.Record
	for len(out) < r.batch {
		if err := ctx.Err(); err != nil {
			return nil, r.fail(err)
		}
		if r.dec == nil {
			if len(r.files) == 0 {
				break
			}
			if err := r.open(r.files[0]); err != nil {
				return nil, r.fail(err)
			}
			r.files = r.files[1:]
		}
		rec, _, err := r.dec.next()
		if errors.Is(err, io.EOF) {
			if err := r.closeFile(); err != nil {
				return nil, r.fail(err)
			}
			continue
		}
		if err != nil {
			return nil, r.fail(err)
		}
		if out == nil {
			out = make([]connector.Record, 0, r.batch)
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		r.err = io.EOF
		return nil, io.EOF
	}
	return out, nil
}

func (r *Reader) open(path string) error {
	f, err := os.Open(path) // O_RDONLY: a source is never written
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	dec, err := r.codec.newDecoder(f, path, nil)
	if err != nil {
		_ = f.Close()
		return err
	}
	r.f, r.dec = f, dec
	return nil
}

func (r *Reader) closeFile() error {
	f := r.f
	r.f, r.dec = nil, nil
	if f == nil {
		return nil
	}
	return f.Close()
}

func (r *Reader) fail(err error) error {
	r.err = err
	_ = r.closeFile()
	return err
}

// Close closes the open file, if any. It is safe to call more than once and after an error.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = errors.New("read after Close")
	}
	return r.closeFile()
}

var _ connector.Reader = (*Reader)(nil)
