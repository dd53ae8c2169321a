package handlers

import (
	"context"
	"time"

	"github.com/toasoan/toasoan/internal/loop"
)

// trashSweepInterval is how often the trash is emptied of the articles kept there longer than
// TOASOAN_TRASH_RETENTION: an article outlives its retention by this at most.
const trashSweepInterval = 10 * time.Minute

// emptyTrashEvery empties the trash every interval, until ctx is done.
func (s *Server) emptyTrashEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() { s.emptyTrash(ctx) })
}

// emptyTrash deletes for good, on the server's clock, the articles whose retention has ended.
func (s *Server) emptyTrash(ctx context.Context) {
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := s.store.EmptyTrash(runCtx, s.now(), s.cfg.TrashRetention)
	if n > 0 {
		s.log.Info("trash emptied", "articles", n)
	}
	if err != nil {
		s.log.Error("trash not emptied", "error", err.Error())
	}
}
