package file

import (
	"bufio"
	"bytes"
	"io"
)

// bomText is the UTF-8 byte order mark, U+FEFF.
const bomText = "\uFEFF"

var utf8BOM = []byte(bomText)

// skipBOM returns a buffered reader over r without a leading UTF-8 byte order mark, which spreadsheet
// programs write and which would otherwise become part of the first field name.
func skipBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	return br
}
