// Package parallel runs the iterations of a loop on a bounded number of
// goroutines: the one worker pool of the engines that read a repository
// file by file and render it unit by unit.
package parallel

import (
	"context"
	"sync"
)

// Do calls f(0..n-1) on at most workers goroutines and returns the first
// error f returned, or the context's. Once ctx is done no further
// iteration starts; those under way run to their end.
func Do(ctx context.Context, workers, n int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	workers = max(1, min(workers, n))
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		errMu sync.Mutex
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
				}
			}
		}()
	}
loop:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break loop
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
