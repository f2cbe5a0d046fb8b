// Package seenset keeps the set of keys one read of a source saw, in memory bounded by a constant: keys
// are buffered, sorted and, past a threshold, spilled to unlinked temporary files in sorted runs, then
// merged when the read ends. The sorted result is what the ledger needs: its entries are compared with
// it in one ordered scan (removals), and keys that appear twice are found in the merge (duplicates).
//
// Keys compare as bytes, the order of SQLite's BINARY collation and of Go's string comparison.
package seenset

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// DefaultSpill is the buffered size, in bytes of key plus a fixed overhead per key, past which a run
// is sorted and written to a temporary file.
const DefaultSpill = 8 << 20

const perKey = 32 // a string header, the present flag, padding: counted against the spill threshold

// maxDups is how many duplicate keys Seal reports at most.
const maxDups = 10

type entry struct {
	key     string
	present bool
}

// Set is a seen-key set. Add every key, then Seal once, then iterate. One goroutine uses it.
type Set struct {
	spill  int
	buf    []entry
	size   int
	runs   []*os.File
	sealed *os.File // the merged present keys, when anything was spilled
	n      int      // present keys after Seal
	done   bool
}

// New returns an empty set that spills past spill bytes (DefaultSpill when spill <= 0).
func New(spill int) *Set {
	if spill <= 0 {
		spill = DefaultSpill
	}
	return &Set{spill: spill}
}

// Add adds a key. present false records a key that was read but does not count as present (filtered
// out): it still makes a second occurrence a duplicate.
func (s *Set) Add(key string, present bool) error {
	if s.done {
		return errors.New("seen set: add after seal")
	}
	s.buf = append(s.buf, entry{key, present})
	s.size += len(key) + perKey
	if s.size >= s.spill {
		return s.flush()
	}
	return nil
}

func sortEntries(es []entry) {
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
}

// flush writes the buffer as one sorted run.
func (s *Set) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	sortEntries(s.buf)
	f, err := tempFile()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 256<<10)
	for _, e := range s.buf {
		if err := writeEntry(w, e); err != nil {
			return fmt.Errorf("seen set: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("seen set: %w", err)
	}
	s.buf = s.buf[:0]
	s.size = 0
	return nil
}

func tempFile() (*os.File, error) {
	f, err := os.CreateTemp("", "oneway-seen-*")
	if err != nil {
		return nil, fmt.Errorf("seen set: %w", err)
	}
	// Only ours: unlinked now, so nothing is left behind even after a crash.
	_ = os.Remove(f.Name())
	return f, nil
}

func writeEntry(w *bufio.Writer, e entry) error {
	var hdr [binary.MaxVarintLen64 + 1]byte
	n := binary.PutUvarint(hdr[:], uint64(len(e.key)))
	hdr[n] = 0
	if e.present {
		hdr[n] = 1
	}
	if _, err := w.Write(hdr[:n+1]); err != nil {
		return err
	}
	_, err := w.WriteString(e.key)
	return err
}

func readEntry(r *bufio.Reader) (entry, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return entry{}, err // io.EOF at a clean end
	}
	flag, err := r.ReadByte()
	if err != nil {
		return entry{}, io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return entry{}, io.ErrUnexpectedEOF
	}
	return entry{key: string(b), present: flag == 1}, nil
}

// Seal ends the additions: it sorts (and merges the spilled runs) and returns the keys added more than
// once, at most ten of them, in key order. A key added more than once is present if any of its
// occurrences was.
func (s *Set) Seal() (dups []string, err error) {
	if s.done {
		return nil, errors.New("seen set: sealed twice")
	}
	s.done = true
	if len(s.runs) == 0 {
		sortEntries(s.buf)
		kept := s.buf[:0] // compacted in place: kept never passes i
		for i := 0; i < len(s.buf); {
			e, j := s.buf[i], i+1
			for ; j < len(s.buf) && s.buf[j].key == e.key; j++ {
				e.present = e.present || s.buf[j].present
			}
			if j-i > 1 && len(dups) < maxDups {
				dups = append(dups, e.key)
			}
			if e.present {
				kept = append(kept, e)
			}
			i = j
		}
		s.buf = kept
		s.n = len(kept)
		return dups, nil
	}
	if err := s.flush(); err != nil {
		return nil, err
	}
	return s.merge()
}

// merge merges the runs into the sealed file of present keys.
func (s *Set) merge() (dups []string, err error) {
	h := &runHeap{}
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("seen set: %w", err)
		}
		r := &run{r: bufio.NewReaderSize(f, 32<<10)}
		ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if ok {
			h.rs = append(h.rs, r)
		}
	}
	heap.Init(h)
	out, err := tempFile()
	if err != nil {
		return nil, err
	}
	s.sealed = out
	w := bufio.NewWriterSize(out, 256<<10)
	// Occurrences of one key arrive together; the key is written once, present if any occurrence is.
	var group entry
	size := 0
	emit := func() error {
		if size > 1 && len(dups) < maxDups {
			dups = append(dups, group.key)
		}
		if size > 0 && group.present {
			s.n++
			return writeEntry(w, group)
		}
		return nil
	}
	for h.Len() > 0 {
		r := h.rs[0]
		if size > 0 && r.cur.key == group.key {
			group.present = group.present || r.cur.present
			size++
		} else {
			if err := emit(); err != nil {
				return nil, fmt.Errorf("seen set: %w", err)
			}
			group, size = r.cur, 1
		}
		ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	if err := emit(); err != nil {
		return nil, fmt.Errorf("seen set: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("seen set: %w", err)
	}
	for _, f := range s.runs {
		f.Close()
	}
	s.runs = nil
	return dups, nil
}

type run struct {
	r   *bufio.Reader
	cur entry
}

func (r *run) next() (bool, error) {
	e, err := readEntry(r.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("seen set: reading a spilled run: %w", err)
	}
	r.cur = e
	return true, nil
}

type runHeap struct{ rs []*run }

func (h *runHeap) Len() int           { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool { return h.rs[i].cur.key < h.rs[j].cur.key }
func (h *runHeap) Swap(i, j int)      { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)         { h.rs = append(h.rs, x.(*run)) }
func (h *runHeap) Pop() any {
	x := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return x
}

// Len returns the number of distinct present keys; valid after Seal.
func (s *Set) Len() int { return s.n }

// Iter returns an iterator over the present keys in ascending order; valid after Seal. Each call
// starts from the first key again.
func (s *Set) Iter() (*Iter, error) {
	if !s.done {
		return nil, errors.New("seen set: iterate before seal")
	}
	if s.sealed == nil {
		return &Iter{mem: s.buf}, nil
	}
	if _, err := s.sealed.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seen set: %w", err)
	}
	return &Iter{r: bufio.NewReaderSize(s.sealed, 64<<10)}, nil
}

// Iter walks the present keys in order.
type Iter struct {
	mem []entry
	r   *bufio.Reader
}

// Next returns the next key; ok is false at the end.
func (it *Iter) Next() (key string, ok bool, err error) {
	if it.r == nil {
		if len(it.mem) == 0 {
			return "", false, nil
		}
		key = it.mem[0].key
		it.mem = it.mem[1:]
		return key, true, nil
	}
	e, err := readEntry(it.r)
	if errors.Is(err, io.EOF) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("seen set: %w", err)
	}
	return e.key, true, nil
}

// Contains reports which of keys are present, in one pass over the set; valid after Seal.
func (s *Set) Contains(keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	want = slices.Compact(want)
	it, err := s.Iter()
	if err != nil {
		return nil, err
	}
	i := 0
	for i < len(want) {
		k, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		for i < len(want) && want[i] < k {
			i++
		}
		if i < len(want) && want[i] == k {
			out[k] = true
			i++
		}
	}
	return out, nil
}

// Close releases the temporary files.
func (s *Set) Close() error {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs = nil
	if s.sealed != nil {
		s.sealed.Close()
		s.sealed = nil
	}
	s.buf = nil
	return nil
}
