// Package loop runs the server's background work: one small loop, so every worker starts,
// wakes and stops the same way.
package loop

import (
	"context"
	"time"
)

// Every calls fn every interval, and at once whenever wake receives (a nil wake never does),
// until ctx is done. A call under way is not interrupted: Every returns after it, and makes
// no call once ctx is done.
func Every(ctx context.Context, interval time.Duration, wake <-chan struct{}, fn func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
		if ctx.Err() != nil { // ctx ended while a tick was ready too
			return
		}
		fn()
	}
}

// Drain is Every for a worker whose step says whether work may be left (a full batch): each
// call steps until nothing is left or ctx is done. Steps run on a context that ctx's end does
// not cancel, so the step under way finishes and records what it did; failed reports a step's
// error, and the next call tries again.
func Drain(ctx context.Context, interval time.Duration, wake <-chan struct{},
	step func(ctx context.Context) (more bool, err error), failed func(err error)) {
	work := context.WithoutCancel(ctx)
	Every(ctx, interval, wake, func() {
		for more := true; more && ctx.Err() == nil; {
			var err error
			if more, err = step(work); err != nil {
				failed(err)
			}
		}
	})
}
