package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/toasoan/toasoan/internal/loop"
)

// viewFlushInterval is how often buffered article views are written. A crash loses the views
// of at most this long (those recorded since the last flush); a clean shutdown loses none.
const viewFlushInterval = 10 * time.Second

// viewCounter counts article views in memory, so reading an article never writes to the
// database; Flush adds the counts to the articles in one transaction.
type viewCounter struct {
	mu     sync.Mutex
	counts map[int64]int64
	write  func(ctx context.Context, views map[int64]int64) error
	// flushing lets one Flush run at a time, so the final flush at shutdown waits for a
	// periodic one under way and writes whatever that one put back.
	flushing sync.Mutex
}

func newViewCounter(write func(ctx context.Context, views map[int64]int64) error) *viewCounter {
	return &viewCounter{counts: map[int64]int64{}, write: write}
}

// Add records one view of an article.
func (v *viewCounter) Add(articleID int64) {
	v.mu.Lock()
	v.counts[articleID]++
	v.mu.Unlock()
}

// Flush writes the buffered views. When the write fails they go back into the buffer for the
// next flush.
func (v *viewCounter) Flush(ctx context.Context) error {
	v.flushing.Lock()
	defer v.flushing.Unlock()
	v.mu.Lock()
	pending := v.counts
	v.counts = map[int64]int64{}
	v.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := v.write(ctx, pending)
	if err != nil {
		v.mu.Lock()
		for id, n := range pending {
			v.counts[id] += n
		}
		v.mu.Unlock()
	}
	return err
}

// flushViewsEvery flushes the views every interval until ctx is done.
func (s *Server) flushViewsEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() {
		flushCtx, cancel := context.WithTimeout(ctx, interval)
		defer cancel()
		if err := s.views.Flush(flushCtx); err != nil {
			s.log.Error("article views not written; kept for the next flush", "error", err.Error())
		}
	})
}

// FlushViews writes the buffered article views: the final flush at shutdown, once no request
// is left (after http.Server.Shutdown), so no view is lost.
func (s *Server) FlushViews(ctx context.Context) error { return s.views.Flush(ctx) }
