package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// publicTag is a tag of the public API with the number of published articles carrying it.
type publicTag struct {
	Slug         string `json:"slug" example:"dai-hoi"`
	Name         string `json:"name" example:"Đại hội"`
	Description  string `json:"description" example:"Tin về đại hội Mặt trận các cấp, nhiệm kỳ 2024–2029"`
	ArticleCount int64  `json:"article_count" example:"12"`
} // @name Tag

type publicTagResponse struct {
	Data publicTag `json:"data"`
} // @name TagResponse

func toPublicTag(t store.TagCount) publicTag {
	return publicTag{Slug: t.Slug, Name: t.Name, Description: t.Description, ArticleCount: t.ArticleCount}
}

type publicTagListResponse struct {
	Data []publicTag `json:"data"`
	Meta listMeta    `json:"meta"`
} // @name TagList

// adminTag is a tag as editors manage it; article_count counts articles of any status.
type adminTag struct {
	ID           int64     `json:"id"`
	Slug         string    `json:"slug" example:"dai-hoi"`
	Name         string    `json:"name" example:"Đại hội"`
	Description  string    `json:"description"` // shown on the tag's public page
	ArticleCount int64     `json:"article_count"`
	Version      int       `json:"version" example:"1"`
	CreatedAt    time.Time `json:"created_at" format:"date-time"`
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
	Name        string `json:"name" validate:"notblank,max=100" example:"Đại hội"`
	Description string `json:"description,omitempty" validate:"max=2000"` // shown on the tag's public page
} // @name TagRequest

// updateTagRequest changes a tag: what it leaves out stays as it is.
type updateTagRequest struct {
	Name        *string `json:"name,omitempty" validate:"omitnil,notblank,max=100" example:"Đại hội"` // the slug follows it
	Description *string `json:"description,omitempty" validate:"omitnil,max=2000"`
} // @name UpdateTagRequest

func toAdminTag(t store.TagCount) adminTag {
	return adminTag{ID: t.ID, Slug: t.Slug, Name: t.Name, Description: t.Description, ArticleCount: t.ArticleCount, Version: t.Version,
		CreatedAt: t.CreatedAt}
}

// respondTag sends a tag with its version as the ETag.
func respondTag(c echo.Context, status int, t store.TagCount) error {
	setVersionETag(c, t.Version)
	return c.JSON(status, adminTagResponse{Data: toAdminTag(t)})
}

// listTags godoc
//
//	@ID			listTags
//	@Summary		Tags of published articles
//	@Description	Most used first (then by slug), with the number of published articles carrying each. Tags that only unpublished articles carry are not listed.
//	@Tags			tags
//	@Produce		json
//	@Param			page			query		int		false	"page, from 1"
//	@Param			per_page		query		int		false	"items per page (default 20, at most 100)"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicTagListResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
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
		out[i] = toPublicTag(t)
	}
	addKeys(c, surrogate.Tags)
	return publicJSON(c, publicTagListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getPublicTag godoc
//
//	@ID			getPublicTag
//	@Summary		A tag's page
//	@Description	The tag with its description and the number of articles public now carrying it, as `GET /api/v1/tags` counts them; its articles are `GET /api/v1/articles?tag={slug}`. A tag that no public article carries is 404, as it is not listed either.
//	@Tags			tags
//	@Produce		json
//	@Param			slug			path		string	true	"tag slug"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicTagResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Failure		404				{object}	problem
//	@Router			/api/v1/tags/{slug} [get]
func (s *Server) getPublicTag(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	t, err := s.store.PublicTag(c.Request().Context(), c.Param("slug"), s.now())
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Tag(t.ID), surrogate.Articles)
	return publicJSON(c, publicTagResponse{Data: toPublicTag(t)})
}

// listAdminTags godoc
//
//	@ID			listAdminTags
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
//	@ID			getAdminTag
//	@Summary	Show a tag
//	@Tags		tags
//	@Produce	json
//	@Param		id	path		int	true	"tag id"
//	@Success	200	{object}	adminTagResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
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
	return respondTag(c, http.StatusOK, t)
}

// createTag godoc
//
//	@ID			createTag
//	@Summary		Create a tag
//	@Description	Tags are also created on the fly from the names in an article's `tags`. The slug is made from the name, which must have letters or digits (422); names with the same slug are the same tag (409). Version 1, sent as the ETag.
//	@Tags			tags
//	@Accept			json
//	@Produce		json
//	@Param			body	body		tagRequest	true	"the tag"
//	@Success		201		{object}	adminTagResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"tag exists"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags [post]
func (s *Server) createTag(c echo.Context) error {
	var req tagRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	t, err := s.store.CreateTag(c.Request().Context(), actorOf(c), req.Name, req.Description)
	if err != nil {
		return err
	}
	return respondTag(c, http.StatusCreated, store.TagCount{Tag: t})
}

// updateTag godoc
//
//	@ID			updateTag
//	@Summary		Rename a tag or change its description
//	@Description	The slug follows the new name; a name whose slug another tag has is 409. Fields left out stay as they are. Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			tags
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int			true	"tag id"
//	@Param			If-Match	header		string		true	"the version read, as its ETag gave it"
//	@Param			body		body		updateTagRequest	true	"the new name or description"
//	@Success		200			{object}	adminTagResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"another tag has that slug"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags/{id} [patch]
func (s *Server) updateTag(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("tag", id))
	if err != nil {
		return err
	}
	var req updateTagRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	t, err := s.store.UpdateTag(c.Request().Context(), actorOf(c), id, version, store.TagPatch{Name: req.Name, Description: req.Description})
	if err != nil {
		return err
	}
	return respondTag(c, http.StatusOK, t)
}

// deleteTag godoc
//
//	@ID			deleteTag
//	@Summary		Delete a tag
//	@Description	The tag is removed from every article carrying it. Needs If-Match with the version read (428 without, 412 when stale).
//	@Tags			tags
//	@Param			id			path	int		true	"tag id"
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/tags/{id} [delete]
func (s *Server) deleteTag(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("tag", id))
	if err != nil {
		return err
	}
	if err := s.store.DeleteTag(c.Request().Context(), actorOf(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
