package engine

import (
	"runtime"
	"sync"
)

// parallelMin is the smallest batch worth splitting across goroutines.
const parallelMin = 256

// parallel calls fn(i) for every i in [0, n), spread over the machine's cores in contiguous chunks. fn
// must only touch index i of shared slices.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := start; i < end; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
