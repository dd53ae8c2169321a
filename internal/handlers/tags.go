package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// publicTag is a tag of the public API with the number of published articles carrying it.
type publicTag struct {
	Slug         string `json:"slug" example:"dai-hoi"`
	Name         string `json:"name" example:"Đại hội"`
	ArticleCount int64  `json:"article_count" example:"12"`
} // @name Tag

type publicTagListResponse struct {
	Data []publicTag `json:"data"`
	Meta listMeta    `json:"meta"`
} // @name TagList

// adminTag is a tag as editors manage it; article_count counts articles of any status.
type adminTag struct {
	ID           int64     `json:"id"`
	Slug         string    `json:"slug" example:"dai-hoi"`
	Name         string    `json:"name" example:"Đại hội"`
	ArticleCount int64     `json:"article_count"`
	CreatedAt    time.Time `json:"created_at"`
} // @name AdminTag

type adminTagResponse struct {
	Data adminTag `json:"data"`
} // @name AdminTagResponse

type adminTagListResponse struct {
	Data []adminTag `json:"data"`
	Meta listMeta   `json:"meta"`
} // @name AdminTagList

// tagRequest names a tag; its slug is made from the name.
type tagRequest struct {
	Name string `json:"name" validate:"notblank,max=100" example:"Đại hội"`
} // @name TagRequest

func toAdminTag(t store.TagCount) adminTag {
	return adminTag{ID: t.ID, Slug: t.Slug, Name: t.Name, ArticleCount: t.ArticleCount, CreatedAt: newsroomTime(t.CreatedAt)}
}

// listTags godoc
//
//	@Summary		Tags of published articles
//	@Description	Most used first (then by slug), with the number of published articles carrying each. Tags that only unpublished articles carry are not listed.
//	@Tags			tags
//	@Produce		json
//	@Param			page			query		int		false	"page, from 1"
//	@Param			per_page		query		int		false	"items per page (default 20, at most 100)"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicTagListResponse
//	@Success		304				"not modified"
//	@Failure		400				{object}	problem
//	@Router			/api/v1/tags [get]
func (s *Server) listTags(c echo.Context) error {
	q := parseQuery(c, paginationParams...)
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	tags, total, err := s.store.PublicTags(c.Request().Context(), s.now(), page)
	if err != nil {
		return err
	}
	out := make([]publicTag, len(tags))
	for i, t := range tags {
		out[i] = publicTag{Slug: t.Slug, Name: t.Name, ArticleCount: t.ArticleCount}
	}
	return publicJSON(c, publicTagListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// listAdminTags godoc
//
//	@Summary		Every tag, by slug
//	@Description	`q` keeps the tags whose slug starts with it, ignoring case and diacritics, for autocompletion.
//	@Tags			tags
//	@Produce		json
//	@Param			q			query		string	false	"slug prefix, e.g. dai ho"
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	adminTagListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags [get]
func (s *Server) listAdminTags(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "q")...)
	page := q.Page()
	prefix := q.String("q")
	if err := q.Err(); err != nil {
		return err
	}
	tags, total, err := s.store.Tags(c.Request().Context(), prefix, page)
	if err != nil {
		return err
	}
	out := make([]adminTag, len(tags))
	for i, t := range tags {
		out[i] = toAdminTag(t)
	}
	return c.JSON(http.StatusOK, adminTagListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getAdminTag godoc
//
//	@Summary	Show a tag
//	@Tags		tags
//	@Produce	json
//	@Param		id	path		int	true	"tag id"
//	@Success	200	{object}	adminTagResponse
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/tags/{id} [get]
func (s *Server) getAdminTag(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	t, err := s.store.TagByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminTagResponse{Data: toAdminTag(t)})
}

// bindTag reads a tag request: the name must have letters or digits to make a slug of.
func bindTag(c echo.Context) (string, error) {
	var req tagRequest
	err := bindJSON(c, &req)
	name := strings.TrimSpace(req.Name)
	var problem string
	if name != "" && store.TagSlug(name) == "" {
		problem = "must contain letters or digits"
	}
	return name, withFieldErrors(err, models.FieldError{Field: "name", Message: problem})
}

// createTag godoc
//
//	@Summary		Create a tag
//	@Description	Tags are also created on the fly from the names in an article's `tags`. The slug is made from the name; names with the same slug are the same tag (409).
//	@Tags			tags
//	@Accept			json
//	@Produce		json
//	@Param			body	body		tagRequest	true	"the tag"
//	@Success		201		{object}	adminTagResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"tag exists"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags [post]
func (s *Server) createTag(c echo.Context) error {
	name, err := bindTag(c)
	if err != nil {
		return err
	}
	t := models.Tag{Name: name}
	if err := s.store.CreateTag(c.Request().Context(), &t); err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "tag.create", "tag", strconv.FormatInt(t.ID, 10), t.Slug)
	return c.JSON(http.StatusCreated, adminTagResponse{Data: toAdminTag(store.TagCount{Tag: t})})
}

// updateTag godoc
//
//	@Summary		Rename a tag
//	@Description	The slug follows the new name; a name whose slug another tag has is 409.
//	@Tags			tags
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int			true	"tag id"
//	@Param			body	body		tagRequest	true	"the new name"
//	@Success		200		{object}	adminTagResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		404		{object}	problem
//	@Failure		409		{object}	problem	"another tag has that slug"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags/{id} [patch]
func (s *Server) updateTag(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	name, err := bindTag(c)
	if err != nil {
		return err
	}
	t, err := s.store.RenameTag(c.Request().Context(), id, name)
	if err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "tag.update", "tag", strconv.FormatInt(id, 10), t.Slug)
	return c.JSON(http.StatusOK, adminTagResponse{Data: toAdminTag(t)})
}

// deleteTag godoc
//
//	@Summary		Delete a tag
//	@Description	The tag is removed from every article carrying it.
//	@Tags			tags
//	@Param			id	path	int	true	"tag id"
//	@Success		204
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags/{id} [delete]
func (s *Server) deleteTag(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteTag(c.Request().Context(), id); err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "tag.delete", "tag", strconv.FormatInt(id, 10), "")
	return c.NoContent(http.StatusNoContent)
}
