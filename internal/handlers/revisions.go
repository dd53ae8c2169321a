package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
)

// revisionItem is one stored version of an article: who made it, when and by which action.
type revisionItem struct {
	Number    int       `json:"number" example:"3"` // the article's version it recorded
	Action    string    `json:"action" enums:"create,update,restore,submit,publish,unpublish,archive,trash,untrash"`
	Actor     *userRef  `json:"actor" extensions:"x-nullable"` // null when the account is gone
	CreatedAt time.Time `json:"created_at" format:"date-time"`
} // @name RevisionItem

// revisionDetail adds the full snapshot of the article at that version.
type revisionDetail struct {
	revisionItem
	Snapshot models.ArticleSnapshot `json:"snapshot"`
} // @name Revision

type revisionListResponse struct {
	Data []revisionItem `json:"data"`
	Meta listMeta       `json:"meta"`
} // @name RevisionList

type revisionResponse struct {
	Data revisionDetail `json:"data"`
} // @name RevisionResponse

func toRevisionItem(r models.ArticleRevision) revisionItem {
	item := revisionItem{Number: r.Number, Action: r.Action, CreatedAt: r.CreatedAt}
	if r.Actor != nil {
		actor := toUserRef(*r.Actor)
		item.Actor = &actor
	}
	return item
}

// listRevisions godoc
//
//	@ID			listRevisions
//	@Summary		An article's revisions
//	@Description	Newest first. Every change to an article (create, edit, workflow action, restore) stores one, numbered by the version it produced.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int	true	"article id"
//	@Param			page		query		int	false	"page, from 1"
//	@Param			per_page	query		int	false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	revisionListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/revisions [get]
func (s *Server) listRevisions(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := parseQuery(c, paginationParams...)
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.ArticleByID(ctx, id, articleReader(principalOf(c))); err != nil {
		return err
	}
	list, total, err := s.store.Revisions(ctx, id, page)
	if err != nil {
		return err
	}
	out := make([]revisionItem, len(list))
	for i, r := range list {
		out[i] = toRevisionItem(r)
	}
	return c.JSON(http.StatusOK, revisionListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getRevision godoc
//
//	@ID			getRevision
//	@Summary	One revision of an article, with its full snapshot
//	@Tags		articles
//	@Produce	json
//	@Param		id	path		int	true	"article id"
//	@Param		n	path		int	true	"revision number"
//	@Success	200	{object}	revisionResponse
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/articles/{id}/revisions/{n} [get]
func (s *Server) getRevision(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.ArticleByID(ctx, id, articleReader(principalOf(c))); err != nil {
		return err
	}
	rev, err := s.store.Revision(ctx, id, int(n))
	if err != nil {
		return err
	}
	out := revisionDetail{revisionItem: toRevisionItem(rev)}
	if err := json.Unmarshal([]byte(rev.Snapshot), &out.Snapshot); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, revisionResponse{Data: out})
}

// restoreRevision godoc
//
//	@ID			restoreRevision
//	@Summary		Restore an article's content from a revision
//	@Description	Title, summary, body, category, tags, cover, byline and featured become those of the revision, as a new version with its own revision. The status and the slug stay as they are. Needs `If-Match` with the current version (428 without, 412 when stale). Authors may restore their own articles only while draft or pending.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int		true	"article id"
//	@Param			n			path		int		true	"revision number"
//	@Param			If-Match	header		string	true	"the version read, as its ETag gave it"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200			{string}	ETag	"the new version, quoted"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"the article is in the trash: restore it first"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		422			{object}	problem	"the revision's category or cover no longer exists"
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/revisions/{n}/restore [post]
func (s *Server) restoreRevision(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := pathInt(c, "n")
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.articleVersion(c, id))
	if err != nil {
		return err
	}
	a, err := s.store.RestoreRevision(c.Request().Context(), actorOf(c), id, int(n), version, articleWriter(principalOf(c)))
	if err != nil {
		return err
	}
	return s.respondArticle(c, http.StatusOK, a)
}
