package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Authors: a user's public profile. The public API lists only authors with at least one
// published article (as Ghost's Content API does), so a profile appears once its author has
// published; nothing of the account (email, role, activity, logins) is ever shown. Each user
// edits their own profile (/auth/me/profile); editors and admins edit anyone's
// (/admin/users/{id}/profile).

// publicAuthor is an author's public profile.
type publicAuthor struct {
	ID     int64        `json:"id" example:"7"`
	Slug   string       `json:"slug" example:"nguyen-van-an"`
	Name   string       `json:"name" example:"Nguyễn Văn An"`
	Title  string       `json:"title" example:"Phóng viên"`
	Bio    string       `json:"bio" example:"Phóng viên mảng xã hội, Ban Tuyên giáo."`
	Avatar *authorImage `json:"avatar" extensions:"x-nullable"`
	// Published articles they wrote, as primary author or co-author.
	ArticleCount int64 `json:"article_count" example:"42"`
} // @name Author

type publicAuthorResponse struct {
	Data publicAuthor `json:"data"`
} // @name AuthorResponse

type publicAuthorListResponse struct {
	Data []publicAuthor `json:"data"`
	Meta listMeta       `json:"meta"`
} // @name AuthorList

// authorProfile is a user's profile as its editors see it, with the version to send back.
type authorProfile struct {
	ID            int64        `json:"id" example:"7"`
	Slug          string       `json:"slug" example:"nguyen-van-an"` // made from the name when the user was created; never changes
	Name          string       `json:"name" example:"Nguyễn Văn An"`
	Title         string       `json:"title" example:"Phóng viên"`
	Bio           string       `json:"bio"`
	AvatarMediaID *int64       `json:"avatar_media_id" extensions:"x-nullable"`
	Avatar        *authorImage `json:"avatar" extensions:"x-nullable"`
	Version       int          `json:"version" example:"3"` // the account's version: send it back in If-Match
} // @name AuthorProfile

type authorProfileResponse struct {
	Data authorProfile `json:"data"`
} // @name AuthorProfileResponse

type updateProfileRequest struct {
	Name   *string                `json:"name,omitempty" validate:"omitnil,notblank,max=200" example:"Nguyễn Văn An"` // the display name (the account's name)
	Title  *string                `json:"title,omitempty" validate:"omitnil,max=100" example:"Phóng viên"`
	Bio    *string                `json:"bio,omitempty" validate:"omitnil,max=2000"`
	Avatar models.Nullable[int64] `json:"avatar_media_id,omitempty" swaggertype:"integer" extensions:"x-nullable"` // an image of the media library (422 otherwise); null removes it
} // @name UpdateProfileRequest

func (s *Server) toPublicAuthor(a store.PublicAuthor) publicAuthor {
	return publicAuthor{ID: a.ID, Slug: a.Slug, Name: a.Name, Title: a.Title, Bio: a.Bio, Avatar: s.avatarOf(a.User), ArticleCount: a.ArticleCount}
}

// authorKeys notes the surrogate keys of a shown author: their own and their avatar's, and the
// article lists (which authors have a published article changes with them).
func authorKeys(c echo.Context, u models.User) {
	addKeys(c, surrogate.Author(u.ID), surrogate.Articles)
	if u.AvatarMediaID != nil {
		addKeys(c, surrogate.Media(*u.AvatarMediaID))
	}
}

// listAuthors godoc
//
//	@ID			listAuthors
//	@Summary		Authors
//	@Description	The public profiles of the authors with at least one published article (as primary author or co-author), as Ghost's Content API lists them: a new account shows nothing until its first article is published. Ordered by slug (the name without diacritics). Nothing of the account (email, role, activity) is shown. Their articles: `GET /api/v1/articles?author={slug}`.
//	@Tags			authors
//	@Produce		json
//	@Param			page			query		int		false	"page, from 1"
//	@Param			per_page		query		int		false	"items per page (default 20, at most 100)"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicAuthorListResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/api/v1/authors [get]
func (s *Server) listAuthors(c echo.Context) error {
	q := parseQuery(c, paginationParams...)
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	list, total, err := s.store.PublicAuthors(c.Request().Context(), s.now(), page)
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Articles)
	out := make([]publicAuthor, len(list))
	for i, a := range list {
		authorKeys(c, a.User)
		out[i] = s.toPublicAuthor(a)
	}
	return publicJSON(c, publicAuthorListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getPublicAuthor godoc
//
//	@ID			getPublicAuthor
//	@Summary		An author's profile
//	@Description	An author with at least one published article; anyone else (unknown slug, or no published article yet) is 404. Their articles: `GET /api/v1/articles?author={slug}`.
//	@Tags			authors
//	@Produce		json
//	@Param			slug			path		string	true	"author slug"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicAuthorResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Failure		404				{object}	problem
//	@Router			/api/v1/authors/{slug} [get]
func (s *Server) getPublicAuthor(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	a, err := s.store.PublicAuthorBySlug(c.Request().Context(), c.Param("slug"), s.now())
	if err != nil {
		return err
	}
	authorKeys(c, a.User)
	return publicJSON(c, publicAuthorResponse{Data: s.toPublicAuthor(a)})
}

func (s *Server) respondProfile(c echo.Context, u models.User) error {
	setVersionETag(c, u.Version)
	return c.JSON(http.StatusOK, authorProfileResponse{Data: authorProfile{
		ID: u.ID, Slug: u.Slug, Name: u.Name, Title: u.Title, Bio: u.Bio,
		AvatarMediaID: u.AvatarMediaID, Avatar: s.avatarOf(u), Version: u.Version,
	}})
}

// getMyProfile godoc
//
//	@ID			getMyProfile
//	@Summary	Show your author profile
//	@Tags		authors
//	@Produce	json
//	@Success	200	{object}	authorProfileResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/auth/me/profile [get]
func (s *Server) getMyProfile(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	return s.showProfile(c, principalOf(c).UserID)
}

// updateMyProfile godoc
//
//	@ID			updateMyProfile
//	@Summary		Change your author profile
//	@Description	Every user edits their own profile: display name, title ("Phóng viên"), bio and avatar (an image of the media library). The slug never changes. Needs `If-Match` with the version read (the account's version: 428 without, 412 when stale); bumps it. The author's page and every article showing them are purged.
//	@Tags			authors
//	@Accept			json
//	@Produce		json
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateProfileRequest	true	"fields to change"
//	@Success		200			{object}	authorProfileResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/auth/me/profile [patch]
func (s *Server) updateMyProfile(c echo.Context) error {
	return s.changeProfile(c, principalOf(c).UserID)
}

// getUserProfile godoc
//
//	@ID			getUserProfile
//	@Summary	Show a user's author profile
//	@Description	Editors and admins.
//	@Tags		authors
//	@Produce	json
//	@Param		id	path		int	true	"user id"
//	@Success	200	{object}	authorProfileResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/users/{id}/profile [get]
func (s *Server) getUserProfile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	return s.showProfile(c, id)
}

// updateUserProfile godoc
//
//	@ID			updateUserProfile
//	@Summary		Change a user's author profile
//	@Description	Editors and admins edit anyone's profile (authors only their own, at `/api/v1/auth/me/profile`). Same fields and rules: needs `If-Match` with the account's version (428 without, 412 when stale).
//	@Tags			authors
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"user id"
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateProfileRequest	true	"fields to change"
//	@Success		200			{object}	authorProfileResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/users/{id}/profile [patch]
func (s *Server) updateUserProfile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.changeProfile(c, id)
}

func (s *Server) showProfile(c echo.Context, id int64) error {
	u, err := s.store.Profile(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.respondProfile(c, u)
}

func (s *Server) changeProfile(c echo.Context, id int64) error {
	version, err := ifMatchVersion(c, s.versionOf("user", id))
	if err != nil {
		return err
	}
	var req updateProfileRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	errs.positiveID("avatar_media_id", req.Avatar.Value)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	u, err := s.store.UpdateProfile(c.Request().Context(), actorOf(c), id, version,
		store.ProfilePatch{Name: req.Name, Title: req.Title, Bio: req.Bio, Avatar: req.Avatar})
	if err != nil {
		return err
	}
	return s.respondProfile(c, u)
}
