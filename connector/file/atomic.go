package file

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempPattern names oneway's temporary files: hidden (so folder sources skip them) and recognizable (so a
// temporary file left by a killed process can be removed without touching anything else).
func tempPattern(path string) (prefix, suffix string) {
	return "." + filepath.Base(path) + ".oneway-", ".tmp"
}

// writeAtomic replaces the file at path with what write produces, or leaves it as it was. It writes a
// temporary file in the same folder, fsyncs it, renames it over path and fsyncs the folder, so that after
// a crash at any moment path holds either the old content or the new, whole. On error the temporary file
// is removed.
func writeAtomic(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	prefix, suffix := tempPattern(path)
	f, err := os.CreateTemp(filepath.Dir(path), prefix+"*"+suffix)
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	// After the rename the new content is in place but may not survive a power loss until the folder is
	// synced; a failure is reported so that the engine does not move the ledger, and the next run rewrites
	// the same content.
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs a folder, making the creation or renaming of a file in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// removeStaleTemps removes temporary files that an earlier, killed writer of path left behind.
func removeStaleTemps(path string) error {
	prefix, suffix := tempPattern(path)
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix) {
			if err := os.Remove(filepath.Join(filepath.Dir(path), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
