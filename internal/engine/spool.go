package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/onewaysync/oneway/connector"
)

// planned is one change of a target's plan, as spooled to disk between planning and applying.
type planned struct {
	Action connector.Action
	Key    string           // canonical source key
	TKey   string           // canonical target key
	TID    string           // target id from the ledger
	Rec    connector.Record // the record to send (the soft_delete fields for SoftDelete)
	Hash   string           // hash of the mapped record (removals: the hash last written)
	Doc    []byte           // canonical JSON of the mapped record (removals: the doc last written)
	Probe  bool             // mode update: the record may be absent from the target
	Retry  bool             // re-sent from the rejected list
	Redo   bool             // an update found absent, sent again as a create
	Fresh  bool             // a write that makes a record live in the target while the ledger holds it as not live: in the inflight log
	Orphan bool             // the removal of a record an earlier run sent without an answer
}

func (p *planned) flags() byte {
	var f byte
	for i, set := range []bool{p.Probe, p.Retry, p.Redo, p.Fresh, p.Orphan} {
		if set {
			f |= 1 << i
		}
	}
	return f
}

func (p *planned) setFlags(f byte) {
	p.Probe, p.Retry, p.Redo, p.Fresh, p.Orphan = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0, f&16 != 0
}

// spool holds a target's plan in a temporary file, so that a plan of any size takes constant memory
// and a run writes nothing before the whole source was read and checked. Each change is a frame: its
// length as a varint, then encodePlanned's bytes.
type spool struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
	n   int
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "oneway-plan-*")
	if err != nil {
		return nil, fmt.Errorf("plan spool: %w", err)
	}
	// The file is only ours: unlink it now so nothing is left behind, even after a crash.
	_ = os.Remove(f.Name())
	return &spool{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (s *spool) add(p planned) error {
	body, err := encodePlanned(s.buf[:0], &p, p.Rec)
	if err != nil {
		return fmt.Errorf("plan spool: record %s: %w", p.Key, err)
	}
	s.buf = body
	var hdr [binary.MaxVarintLen64]byte
	if _, err := s.w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(body)))]); err != nil {
		return fmt.Errorf("plan spool: %w", err)
	}
	if _, err := s.w.Write(body); err != nil {
		return fmt.Errorf("plan spool: %w", err)
	}
	s.n++
	return nil
}

// each calls fn with the spooled changes in batches of size.
func (s *spool) each(size int, fn func([]planned) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("plan spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("plan spool: %w", err)
	}
	r := bufio.NewReaderSize(s.f, 1<<20)
	batch := make([]planned, 0, size)
	var frame []byte
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("plan spool: %w", err)
		}
		if uint64(cap(frame)) < n {
			frame = make([]byte, n)
		}
		frame = frame[:n] // reused: decodePlanned copies what it keeps
		if _, err := io.ReadFull(r, frame); err != nil {
			return fmt.Errorf("plan spool: %w", err)
		}
		p, err := decodePlanned(frame)
		if err != nil {
			return err
		}
		batch = append(batch, p)
		if len(batch) == size {
			if err := fn(batch); err != nil {
				return err
			}
			batch = make([]planned, 0, size)
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

func (s *spool) close() {
	if s != nil {
		s.f.Close()
	}
}
