package file

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxRecord bounds one CSV record (which may span lines inside quotes), so that an unclosed quote in a
// big file fails with a clear error instead of exhausting memory.
const maxRecord = 64 << 20

// csvParser splits CSV text (RFC 4180) into records. It exists because encoding/csv's reader turns a CR
// LF inside a quoted field into LF, so a value with Windows line breaks would not read back as written;
// encoding/csv's writer is still what writes. Like encoding/csv it skips empty lines, accepts LF and CR
// LF line ends (and a final CR before the end of the file), keeps a lone CR inside a field, and rejects a
// quote inside an unquoted field and text after a closing quote.
type csvParser struct {
	r     *bufio.Reader
	comma []byte
	line  int // lines read so far
	buf   []byte
}

// csvSyntaxError is a parse error at a line and a 1-based byte column of that line.
type csvSyntaxError struct {
	line, col int
	msg       string
}

func (e *csvSyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// fieldPos is where a field starts.
// fieldPos is where a field starts, and whether it was quoted (a quoted field is text, never the null
// marker).
type fieldPos struct {
	line, col int
	quoted    bool
}

// readRecord returns the fields of the next record and where each starts; io.EOF after the last record.
func (p *csvParser) readRecord(fields []string, pos []fieldPos) ([]string, []fieldPos, error) {
	fields, pos = fields[:0], pos[:0]
	var line []byte
	var eof bool
	for {
		var err error
		line, eof, err = p.readLine()
		if err != nil {
			return nil, nil, err
		}
		if len(line) == 0 && eof {
			return nil, nil, io.EOF
		}
		if contentEnd(line, eof) > 0 {
			break
		}
		// an empty line: skipped
	}
	i := 0 // offset in the current line
	for {
		lineNo, col := p.line, i+1
		if i < len(line) && line[i] == '"' {
			var field []byte
			i++
			for {
				q := bytes.IndexByte(line[i:], '"')
				if q < 0 {
					// The field goes on to the next line, line break included as it is.
					field = append(field, line[i:]...)
					if len(field) > maxRecord {
						return nil, nil, &csvSyntaxError{lineNo, col, fmt.Sprintf("record longer than %d MiB; is a quote not closed?", maxRecord>>20)}
					}
					var err error
					if eof {
						return nil, nil, &csvSyntaxError{lineNo, col, `quoted field not closed: a " is missing before the end of the file`}
					}
					if line, eof, err = p.readLine(); err != nil {
						return nil, nil, err
					}
					if len(line) == 0 && eof {
						return nil, nil, &csvSyntaxError{lineNo, col, `quoted field not closed: a " is missing before the end of the file`}
					}
					i = 0
					continue
				}
				field = append(field, line[i:i+q]...)
				i += q + 1
				if i < len(line) && line[i] == '"' {
					field = append(field, '"')
					i++
					continue
				}
				break
			}
			fields, pos = append(fields, string(field)), append(pos, fieldPos{lineNo, col, true})
			switch rest := line[i:]; {
			case bytes.HasPrefix(rest, p.comma):
				i += len(p.comma)
			case contentEnd(rest, eof) == 0:
				return fields, pos, nil
			default:
				return nil, nil, &csvSyntaxError{p.line, i + 1, `text after a closing quote; a " inside a quoted field is written ""`}
			}
			continue
		}
		end := contentEnd(line, eof)
		n := bytes.Index(line[i:end], p.comma)
		last := n < 0
		if last {
			n = end - i
		}
		field := line[i : i+n]
		if q := bytes.IndexByte(field, '"'); q >= 0 {
			return nil, nil, &csvSyntaxError{p.line, i + q + 1, `" in an unquoted field; quote the field and write the " as ""`}
		}
		fields, pos = append(fields, string(field)), append(pos, fieldPos{lineNo, col, false})
		if last {
			return fields, pos, nil
		}
		i += n + len(p.comma)
	}
}

// contentEnd returns the length of line without its line end: LF, CR LF, or a CR at the end of the file.
func contentEnd(line []byte, eof bool) int {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	} else if eof && n > 0 && line[n-1] == '\r' {
		n--
	}
	return n
}

// readLine returns the next line with its line break (none for the last line of a file without a final
// one); eof is true when the file ends after it. The slice is valid until the next call.
func (p *csvParser) readLine() (line []byte, eof bool, err error) {
	p.buf = p.buf[:0]
	for {
		chunk, err := p.r.ReadSlice('\n')
		p.buf = append(p.buf, chunk...)
		if len(p.buf) > maxRecord {
			return nil, false, &csvSyntaxError{p.line + 1, 1, fmt.Sprintf("line longer than %d MiB", maxRecord>>20)}
		}
		switch {
		case err == nil:
			p.line++
			return p.buf, false, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(p.buf) > 0 {
				p.line++
			}
			return p.buf, true, nil
		default:
			return nil, false, err
		}
	}
}
