package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onewaysync/oneway/connector"
)

// defaultBatch is the number of records a Reader returns per batch when the request does not say.
const defaultBatch = 1000

// Conn is a csv or jsonl connection: a Source and a Target over the files under one path. It holds no
// open files; each Reader and Writer opens its own.
type Conn struct {
	codec  codec
	root   string
	single bool
}

// Read opens the stream's file, or every file of its folder in name order, read-only. A stream with no
// file and no folder is an error naming both paths; an existing empty folder reads as no records.
func (c *Conn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.codec.columnar() && !c.codec.headerRow() {
		return nil, fmt.Errorf("read %s: a CSV source needs a header row for its field names; remove header: false", req.Stream)
	}
	loc, err := c.locate(req.Stream)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Stream, err)
	}
	var files []string
	switch {
	case loc.folder:
		if files, err = listFolder(loc.path, c.codec.ext()); err != nil {
			return nil, fmt.Errorf("read %s: %w", req.Stream, err)
		}
	case loc.exists:
		files = []string{loc.path}
	default:
		return nil, c.missing(req.Stream, loc.path)
	}
	batch := req.BatchSize
	if batch <= 0 {
		batch = defaultBatch
	}
	return &Reader{codec: c.codec, files: files, batch: batch}, nil
}

// missing explains a stream that is not there, naming the paths looked at.
func (c *Conn) missing(stream, path string) error {
	switch {
	case c.single:
		return fmt.Errorf("read %s: the file %s does not exist (setting path)", stream, path)
	case !isDir(c.root):
		return fmt.Errorf("read %s: the folder %s (setting path) does not exist", stream, c.root)
	case strings.HasSuffix(stream, c.codec.ext()):
		return fmt.Errorf("read %s: the file %s does not exist; check the stream name and path", stream, path)
	}
	return fmt.Errorf("read %s: no file %s and no folder %s; check the stream name and path",
		stream, path, strings.TrimSuffix(path, c.codec.ext()))
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// OpenWriter opens the stream's file for writing. With req.Append it appends (an AppendWriter); otherwise
// it loads the file into memory and rewrites it atomically on Commit (a MirrorWriter), which needs
// req.Key. The file is created if missing, but its folder must exist. The only option is create_table,
// accepted for symmetry with database targets and without effect: files are always created.
func (c *Conn) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := req.Options.Check("create_table"); err != nil {
		return nil, fmt.Errorf("write %s: %w", req.Stream, err)
	}
	if _, err := req.Options.Bool("create_table", false); err != nil {
		return nil, fmt.Errorf("write %s: %w", req.Stream, err)
	}
	if err := req.MatchOnlyByKey(); err != nil {
		return nil, fmt.Errorf("write %s: %w", req.Stream, err)
	}
	loc, err := c.locate(req.Stream)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", req.Stream, err)
	}
	if loc.folder {
		return nil, fmt.Errorf("write %s: %s is a folder; a %s target writes one file: name a file stream", req.Stream, loc.path, c.codec.kind())
	}
	if !loc.exists {
		dir := filepath.Dir(loc.path)
		if !isDir(dir) {
			return nil, fmt.Errorf("write %s: the folder %s does not exist; create it (oneway creates the file, not its folder)", req.Stream, dir)
		}
	}
	if c.codec.columnar() && !c.codec.headerRow() && len(req.Fields) == 0 {
		return nil, fmt.Errorf("write %s: a CSV file without a header row needs a fixed list of columns: give the sync a map, or remove header: false", req.Stream)
	}
	if req.Append {
		return openAppend(c.codec, loc, req)
	}
	if len(req.Key) == 0 {
		return nil, errors.New("write " + req.Stream + ": a mirror write needs a key")
	}
	return openMirror(c.codec, loc, req)
}

// Close releases nothing: readers and writers hold the open files.
func (c *Conn) Close() error { return nil }

var (
	_ connector.Source = (*Conn)(nil)
	_ connector.Target = (*Conn)(nil)
)
