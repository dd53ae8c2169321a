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
