package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// trashSweepInterval is how often the trash is emptied of the items kept there longer than
// TOASOAN_TRASH_RETENTION: an item outlives its retention by this at most.
const trashSweepInterval = 10 * time.Minute

// emptyTrashEvery empties the trash every interval, until ctx is done.
func (s *Server) emptyTrashEvery(ctx context.Context, interval time.Duration) {
	loop.Every(ctx, interval, nil, func() { s.emptyTrash(ctx) })
}

// emptyTrash deletes for good, on the server's clock, the items whose retention has ended.
func (s *Server) emptyTrash(ctx context.Context) {
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := s.store.EmptyTrash(runCtx, s.now(), s.cfg.TrashRetention)
	if n > 0 {
		s.log.Info("trash emptied", "items", n)
	}
	if err != nil {
		s.log.Error("trash not emptied", "error", err.Error())
	}
}

// deleteOrPurge answers the DELETE of an announcement or a document: to the trash, or with
// permanent=true (admins only) for good, from the trash.
func (s *Server) deleteOrPurge(c echo.Context, what string, trash, forGood func(context.Context, store.Actor, int64, int) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := parseQuery(c, "permanent")
	permanent := ptrTrue(q.Bool("permanent"))
	if err := q.Err(); err != nil {
		return err
	}
	if permanent && !principalOf(c).Is(models.RoleAdmin) {
		return models.Forbidden("only admins delete for good")
	}
	version, err := ifMatchVersion(c, s.versionOf(what, id))
	if err != nil {
		return err
	}
	del := trash
	if permanent {
		del = forGood
	}
	if err := del(c.Request().Context(), actorOf(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
