package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// location is where a stream lives.
type location struct {
	// path is the stream's file, or its folder when folder is true.
	path   string
	folder bool
	// exists is false for a file that is not there yet (a target creates it).
	exists bool
}

// locate finds stream under the connection's path, without creating anything:
//   - path names one file (it ends with the kind's extension): stream must be that file's base name, with
//     or without the extension;
//   - otherwise path is a folder, and stream names <path>/<stream><ext>, or <path>/<stream> when stream
//     already ends with the extension, or a sub-folder <path>/<stream> of such files. A stream that could
//     be both a file and a folder is an error rather than a guess.
func (c *Conn) locate(stream string) (location, error) {
	ext := c.codec.ext()
	if stream == "" {
		return location{}, errors.New("the stream is empty; name a file (or folder) under path")
	}
	if c.single {
		base := filepath.Base(c.root)
		if stream != base && stream+ext != base {
			return location{}, fmt.Errorf("stream %q does not match the file %s that path names; use stream %q, or set path to its folder",
				stream, c.root, strings.TrimSuffix(base, ext))
		}
		return stat(c.root, false)
	}
	rel := filepath.FromSlash(stream)
	if !filepath.IsLocal(rel) {
		return location{}, fmt.Errorf("stream %q must be a relative name inside path %s (no .., no absolute path)", stream, c.root)
	}
	if strings.HasSuffix(rel, ext) {
		return stat(filepath.Join(c.root, rel), false)
	}
	file, err := stat(filepath.Join(c.root, rel+ext), false)
	if err != nil {
		return location{}, err
	}
	dir, err := stat(filepath.Join(c.root, rel), true)
	if err != nil {
		return location{}, err
	}
	switch {
	case file.exists && dir.exists:
		return location{}, fmt.Errorf("stream %q is ambiguous: both the file %s and the folder %s exist; name the file with its extension (%q) or rename one",
			stream, file.path, dir.path, stream+ext)
	case dir.exists:
		return dir, nil
	default:
		return file, nil
	}
}

// stat reports whether path exists as a file (folder false) or as a folder (folder true). Something of
// the other type at a file's path is an error; at a folder's path it counts as absent.
func stat(path string, folder bool) (location, error) {
	loc := location{path: path, folder: folder}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return loc, nil
	case err != nil:
		return location{}, err
	case folder:
		loc.exists = fi.IsDir()
		return loc, nil
	case fi.IsDir():
		return location{}, fmt.Errorf("%s is a folder, not a file", path)
	case !fi.Mode().IsRegular():
		return location{}, fmt.Errorf("%s is not a regular file", path)
	}
	loc.exists = true
	return loc, nil
}

// listFolder returns the files with extension ext directly in dir, sorted by name. Hidden files (a leading
// dot: editors' and oneway's own temporary files) and sub-folders are left out.
func listFolder(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ext) {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p) // follows symbolic links, which DirEntry does not
		if err != nil {
			return nil, err
		}
		if fi.Mode().IsRegular() {
			files = append(files, p)
		}
	}
	return files, nil
}
