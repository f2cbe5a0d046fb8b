package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progressBars shows a run's progress on a terminal: a counter of records read per sync and a bar of
// changes applied per target.
type progressBars struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*mpb.Bar
}

func newProgressBars(w io.Writer) *progressBars {
	return &progressBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40)), bars: map[string]*mpb.Bar{}}
}

func (pb *progressBars) bar(name string, total int64) *mpb.Bar {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	b, ok := pb.bars[name]
	if !ok {
		b = pb.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(name, decor.WC{C: decor.DindentRight | decor.DextraSpace})),
			mpb.AppendDecorators(decor.CountersNoUnit("%d / %d")),
		)
		pb.bars[name] = b
	}
	return b
}

// Read implements engine.Progress.
func (pb *progressBars) Read(sync string, n int) {
	b := pb.bar(fmt.Sprintf("read %s", sync), 0)
	b.SetCurrent(int64(n))
}

// Applied implements engine.Progress.
func (pb *progressBars) Applied(sync, target string, done, total int) {
	b := pb.bar(fmt.Sprintf("write %s → %s", sync, target), int64(total))
	b.SetTotal(int64(total), false)
	b.SetCurrent(int64(done))
}

// wait completes every bar and waits for the last render.
func (pb *progressBars) wait() {
	pb.mu.Lock()
	for _, b := range pb.bars {
		b.SetTotal(-1, true)
	}
	pb.mu.Unlock()
	pb.p.Wait()
}
