package handlers

import (
	"context"
	"sync"
	"time"
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

// flushViews flushes every interval until stop is closed.
func (s *Server) flushViews(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if err := s.views.Flush(ctx); err != nil {
				s.log.Error("article views not written; kept for the next flush", "error", err.Error())
			}
			cancel()
		}
	}
}

// Close stops the background work of the server and writes what it buffered (article views).
// Call it once the HTTP server has shut down. Webhook deliveries under way are finished and
// recorded, while ctx allows.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.stopViews)
		close(s.stopWebhooks)
		<-s.viewsDone
	})
	err := s.views.Flush(ctx)
	select {
	case <-s.webhooksDone:
	case <-ctx.Done():
	}
	return err
}
