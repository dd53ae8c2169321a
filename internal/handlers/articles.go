package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// The editorial API of articles. Editors and admins see and change every article; authors see
// only their own (another author's article is 404 to them, as if absent) and change them only
// while draft or pending (403 otherwise); they never publish, unpublish or archive.

// articleCover is an article's cover image, or null.
type articleCover struct {
	URL     string `json:"url" example:"https://mattran.org.vn/media/2026/08/ky-ket.jpg"`
	Caption string `json:"caption" example:"Ban Thường trực ký kết Quy chế phối hợp"`
	Width   int    `json:"width" example:"1200"`
	Height  int    `json:"height" example:"800"`
	// The media item's metadata (PATCH /api/v1/admin/media/{id}): empty alt means none yet.
	Alt        string             `json:"alt" example:"Ban Thường trực ký kết Quy chế phối hợp"`
	Credit     string             `json:"credit" example:"Ảnh: Minh Anh"`
	FocalPoint *models.FocalPoint `json:"focal_point" extensions:"x-nullable"` // null: not set (crop around the centre)
	// The image's resized copies, by width then type, for srcset; see ImageVariant.
	Variants []models.ImageVariant `json:"variants"`
	// A data: URI of a 16 px wide WebP of the image (about 150 bytes), to show blurred while it loads; "" when it has no variants yet.
	Placeholder string `json:"placeholder" example:"data:image/webp;base64,UklGRl4AAABXRUJQVlA4IFIAAABQAQCdASoQAAkAAsBMJbAABYwAAP7d3f47/+8b/+UJv9jb//yef++Kv6JLstfI39OXvteQ30N1Howp+0Srb62OsfiTv+6bYl7fuq//2c9boAAA"`
} // @name ArticleCover

// articleImage is a media image an article shows besides its cover (its Open Graph image).
type articleImage struct {
	URL    string `json:"url" example:"https://mattran.org.vn/media/2026/08/ky-ket-og.jpg"`
	Width  int    `json:"width" example:"1200"`
	Height int    `json:"height" example:"630"`
	Alt    string `json:"alt" example:"Ban Thường trực ký kết Quy chế phối hợp"` // the media item's alt text; empty when it has none
	// The image's resized copies, by width then type, for srcset; see ImageVariant.
	Variants []models.ImageVariant `json:"variants"`
	// A data: URI of a 16 px wide WebP of the image (about 150 bytes), to show blurred while it loads; "" when it has no variants yet.
	Placeholder string `json:"placeholder" example:"data:image/webp;base64,UklGRl4AAABXRUJQVlA4IFIAAABQAQCdASoQAAkAAsBMJbAABYwAAP7d3f47/+8b/+UJv9jb//yef++Kv6JLstfI39OXvteQ30N1Howp+0Srb62OsfiTv+6bYl7fuq//2c9boAAA"`
} // @name ArticleImage

// editorialArticleItem is an article in the editorial list: everything but the body.
type editorialArticleItem struct {
	ID         int64  `json:"id"`
	Slug       string `json:"slug" example:"ky-ket-quy-che-phoi-hop"`
	SlugLocked bool   `json:"slug_locked"` // the slug no longer follows the title: published once, or set by hand
	Title      string `json:"title" example:"Ký kết Quy chế phối hợp"`
	Summary    string `json:"summary"`
	// Status as of now: a scheduled article whose time has come is published.
	Status       string          `json:"status" enums:"draft,pending,scheduled,published,archived"`
	CategoryID   int64           `json:"category_id"`
	Category     articleCategory `json:"category"`
	Tags         []tagRef        `json:"tags"`
	Cover        *articleCover   `json:"cover" extensions:"x-nullable"`
	CoverMediaID *int64          `json:"cover_media_id" extensions:"x-nullable"`
	CoverCaption string          `json:"cover_caption"`
	Author       userRef         `json:"author"`
	Authors      []authorRef     `json:"authors"` // every author in order, the primary first
	Byline       string          `json:"byline" example:"Minh Anh"`
	Featured     bool            `json:"featured"`
	// When the article was, or (scheduled) will be, published; null for drafts.
	PublishedAt *time.Time `json:"published_at" extensions:"x-nullable" format:"date-time"`
	// The scheduled take-down, if any: the article goes back to draft then.
	UnpublishAt *time.Time `json:"unpublish_at" extensions:"x-nullable" format:"date-time"`
	ViewCount   int64      `json:"view_count"`
	// Words of the body's text and the minutes they take to read (200 words a minute, rounded up; at least 1 for a body with any word, 0 for an empty one), counted at every write.
	WordCount   int `json:"word_count" example:"840"`
	ReadingTime int `json:"reading_time" example:"5"`
	// SEO and sharing as stored: an empty value means the default the public `seo` block applies (meta_title → title, meta_description → summary, og_image → cover, canonical_url → the article's page on the site).
	MetaTitle       string        `json:"meta_title" maxLength:"300"`
	MetaDescription string        `json:"meta_description" maxLength:"500"`
	CanonicalURL    string        `json:"canonical_url" example:"https://mattran.org.vn/articles/ky-ket-quy-che-phoi-hop"`
	OGImageMediaID  *int64        `json:"og_image_media_id" extensions:"x-nullable"`
	OGImage         *articleImage `json:"og_image" extensions:"x-nullable"`
	// Keep the article out of the sitemap and tell crawlers not to index it (seo.noindex).
	Noindex bool `json:"noindex"`
	// What editors should fix before (or after) publishing, such as a cover without alt text; [] when nothing.
	Warnings []articleWarning `json:"warnings"`
	Version  int              `json:"version" example:"3"` // send it back in If-Match to change the article
	// When the article was moved to the trash, and by whom (null when the account is gone, or
	// toasoan did); both null outside the trash.
	TrashedAt   *time.Time `json:"trashed_at" extensions:"x-nullable" format:"date-time"`
	TrashedByID *int64     `json:"trashed_by_id" extensions:"x-nullable"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt   time.Time  `json:"updated_at" format:"date-time"`
} // @name EditorialArticleItem

// editorialArticle is an article as the editorial API shows it.
type editorialArticle struct {
	editorialArticleItem
	Body string `json:"body" example:"<p>Chiều ngày 23/8, …</p>"` // sanitised HTML
} // @name EditorialArticle

type editorialArticleResponse struct {
	Data editorialArticle `json:"data"`
} // @name EditorialArticleResponse

type editorialArticleListResponse struct {
	Data []editorialArticleItem `json:"data"`
	Meta listMeta               `json:"meta"`
} // @name EditorialArticleList

type createArticleRequest struct {
	Title        string   `json:"title" validate:"notblank,max=300" example:"Ký kết Quy chế phối hợp công tác"`
	Slug         string   `json:"slug,omitempty" maxLength:"100"` // made from the title when empty
	Summary      string   `json:"summary,omitempty" validate:"max=2000"`
	Body         string   `json:"body,omitempty" validate:"max=500000"` // HTML, sanitised on write
	CategoryID   int64    `json:"category_id" validate:"required,min=1" example:"2"`
	Tags         []string `json:"tags,omitempty" validate:"max=20,dive,notblank,max=100" example:"Đại hội,Mặt trận"`
	CoverMediaID *int64   `json:"cover_media_id,omitempty" validate:"omitnil,min=1"` // an image of the media library (422 otherwise)
	CoverCaption string   `json:"cover_caption,omitempty" validate:"max=500"`
	Byline       string   `json:"byline,omitempty" validate:"max=200"`
	Featured     bool     `json:"featured,omitempty"`
	// The authors' user ids in order, the first the primary author (default: the caller alone). An author (role) must name themselves first.
	AuthorIDs []int64 `json:"author_ids,omitempty" validate:"omitempty,max=10,dive,min=1" example:"7,9"`
	// SEO and sharing; empty means the default (see EditorialArticleItem).
	MetaTitle       string `json:"meta_title,omitempty" validate:"max=300"`
	MetaDescription string `json:"meta_description,omitempty" validate:"max=500"`
	CanonicalURL    string `json:"canonical_url,omitempty" validate:"max=2000" example:"https://mattran.org.vn/articles/ky-ket-quy-che-phoi-hop"` // absolute http(s)
	OGImageMediaID  *int64 `json:"og_image_media_id,omitempty" validate:"omitnil,min=1"`                                                          // an image of the media library (422 otherwise)
	Noindex         bool   `json:"noindex,omitempty"`
} // @name CreateArticleRequest

type updateArticleRequest struct {
	Title           *string                `json:"title,omitempty" validate:"omitnil,notblank,max=300"`
	Slug            *string                `json:"slug,omitempty" maxLength:"100"` // sets the slug for good
	Summary         *string                `json:"summary,omitempty" validate:"omitnil,max=2000"`
	Body            *string                `json:"body,omitempty" validate:"omitnil,max=500000"`
	CategoryID      *int64                 `json:"category_id,omitempty" validate:"omitnil,min=1"`
	Tags            *[]string              `json:"tags,omitempty" validate:"omitnil,max=20,dive,notblank,max=100"`         // replaces the list
	CoverMediaID    models.Nullable[int64] `json:"cover_media_id,omitempty" swaggertype:"integer" extensions:"x-nullable"` // an image of the media library (422 otherwise); null removes the cover
	CoverCaption    *string                `json:"cover_caption,omitempty" validate:"omitnil,max=500"`
	Byline          *string                `json:"byline,omitempty" validate:"omitnil,max=200"`
	Featured        *bool                  `json:"featured,omitempty"`
	MetaTitle       *string                `json:"meta_title,omitempty" validate:"omitnil,max=300"`
	MetaDescription *string                `json:"meta_description,omitempty" validate:"omitnil,max=500"`
	CanonicalURL    *string                `json:"canonical_url,omitempty" validate:"omitnil,max=2000"`                       // absolute http(s); "" for the default
	OGImageMediaID  models.Nullable[int64] `json:"og_image_media_id,omitempty" swaggertype:"integer" extensions:"x-nullable"` // an image of the media library (422 otherwise); null for the default (the cover)
	Noindex         *bool                  `json:"noindex,omitempty"`
	// Schedules the take-down (editors only): after now and after the publication; null cancels it.
	UnpublishAt models.Nullable[time.Time] `json:"unpublish_at,omitempty" swaggertype:"string" format:"date-time" extensions:"x-nullable"`
	// Replaces the authors: user ids in order, the first the primary author, who owns the article. An author (role) must name themselves first.
	AuthorIDs *[]int64 `json:"author_ids,omitempty" validate:"omitnil,min=1,max=10,dive,min=1" example:"7,9"`
} // @name UpdateArticleRequest

type publishRequest struct {
	// A time in the future schedules the article; without it the article is published now.
	PublishAt *time.Time `json:"publish_at,omitempty" example:"2026-08-23T14:00:00+07:00" format:"date-time"`
	// A scheduled take-down, after the publication: the article goes back to draft then.
	UnpublishAt *time.Time `json:"unpublish_at,omitempty" example:"2026-09-23T00:00:00+07:00" format:"date-time"`
} // @name PublishRequest

// articleWarning is something an editor should fix in an article: field names the request field
// it concerns, code what is wrong (missing_alt: the image chosen there has no alt text; set it
// with PATCH /api/v1/admin/media/{id}).
type articleWarning struct {
	Field   string `json:"field" enums:"cover_media_id,og_image_media_id" example:"cover_media_id"`
	Code    string `json:"code" enums:"missing_alt" example:"missing_alt"`
	Message string `json:"message" example:"the cover image has no alt text: add it in the media library"`
} // @name ArticleWarning

// The fields and codes of article warnings.
var (
	articleWarningFields = []string{"cover_media_id", "og_image_media_id"}
	articleWarningCodes  = []string{warningMissingAlt}
)

const warningMissingAlt = "missing_alt"

// warningsOf flags the article's images that have no alt text.
func warningsOf(a models.Article) []articleWarning {
	out := []articleWarning{}
	if a.Cover != nil && strings.TrimSpace(a.Cover.Alt) == "" {
		out = append(out, articleWarning{Field: "cover_media_id", Code: warningMissingAlt,
			Message: "the cover image has no alt text: add it in the media library"})
	}
	if a.OGImage != nil && strings.TrimSpace(a.OGImage.Alt) == "" {
		out = append(out, articleWarning{Field: "og_image_media_id", Code: warningMissingAlt,
			Message: "the Open Graph image has no alt text: add it in the media library"})
	}
	return out
}

func (s *Server) coverOf(a models.Article) *articleCover {
	if a.Cover == nil {
		return nil
	}
	return &articleCover{URL: a.Cover.URL(s.cfg.MediaURL), Caption: a.CoverCaption, Width: a.Cover.Width, Height: a.Cover.Height,
		Alt: a.Cover.Alt, Credit: a.Cover.Credit, FocalPoint: a.Cover.Focal(),
		Variants: models.VariantsOf(*a.Cover, s.cfg.MediaURL), Placeholder: a.Cover.Placeholder}
}

func (s *Server) imageOf(m *models.Media) *articleImage {
	if m == nil {
		return nil
	}
	return &articleImage{URL: m.URL(s.cfg.MediaURL), Width: m.Width, Height: m.Height, Alt: m.Alt,
		Variants: models.VariantsOf(*m, s.cfg.MediaURL), Placeholder: m.Placeholder}
}

func (s *Server) toEditorialItem(a models.Article) editorialArticleItem {
	return editorialArticleItem{
		ID: a.ID, Slug: a.Slug, SlugLocked: a.SlugLocked, Title: a.Title, Summary: a.Summary, Status: a.StatusAt(s.now()),
		CategoryID: a.CategoryID, Category: toArticleCategory(a.Category),
		Tags: toTagRefs(a.Tags), Cover: s.coverOf(a), CoverMediaID: a.CoverMediaID, CoverCaption: a.CoverCaption,
		Author: toUserRef(a.Author), Authors: s.toAuthorRefs(a.Authors), Byline: a.Byline, Featured: a.Featured,
		PublishedAt: a.PublishedAt, UnpublishAt: a.UnpublishAt, ViewCount: a.ViewCount, Version: a.Version,
		WordCount: a.WordCount, ReadingTime: a.ReadingTime,
		MetaTitle: a.MetaTitle, MetaDescription: a.MetaDescription, CanonicalURL: a.CanonicalURL,
		OGImageMediaID: a.OGImageMediaID, OGImage: s.imageOf(a.OGImage), Noindex: a.Noindex, Warnings: warningsOf(a),
		TrashedAt: a.TrashedAt, TrashedByID: a.TrashedByID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// respondArticle sends an article with its version as ETag, for the next If-Match.
func (s *Server) respondArticle(c echo.Context, status int, a models.Article) error {
	setVersionETag(c, a.Version)
	return c.JSON(status, editorialArticleResponse{Data: editorialArticle{editorialArticleItem: s.toEditorialItem(a), Body: a.Body}})
}

// articleReader lets editors and admins see every article and authors only their own.
func articleReader(p auth.Principal) store.Access {
	return func(a models.Article) error {
		if p.Is(models.RoleAdmin, models.RoleEditor) || a.AuthorID == p.UserID {
			return nil
		}
		return models.NotFound("article")
	}
}

// articleWriter also keeps authors to their articles that are still draft or pending.
func articleWriter(p auth.Principal) store.Access {
	read := articleReader(p)
	return func(a models.Article) error {
		if err := read(a); err != nil {
			return err
		}
		if p.Is(models.RoleAuthor) && a.Status != models.StatusDraft && a.Status != models.StatusPending {
			return models.Forbidden("authors can change their articles only while draft or pending; this one is %s", a.Status)
		}
		return nil
	}
}

// listArticles godoc
//
//	@ID			listArticles
//	@Summary		List articles of every status
//	@Description	Most recently changed first by default (`sort`). Authors see only their own articles. `status=published` includes scheduled articles whose time has come; `status=scheduled` only those still to come. `q` keeps articles containing every word (the last may be a word's start), ignoring case and diacritics, at most 200 characters. `category` is a category's slug and includes its sub-categories, as on the public list; `tag` a tag's slug. Articles in the trash are left out unless `trashed=true`, which lists only them (every article in the trash is a draft).
//	@Tags			articles
//	@Produce		json
//	@Param			status		query		string	false	"status as of now"	Enums(draft, pending, scheduled, published, archived)
//	@Param			author		query		int		false	"author's user id"
//	@Param			q			query		string	false	"words to find in title, summary and body"
//	@Param			category	query		string	false	"category slug; includes its sub-categories"
//	@Param			tag			query		string	false	"tag slug"
//	@Param			sort		query		string	false	"order: most recently changed, published (never published last), created first, or by title"	Enums(-updated_at, -published_at, -created_at, title)	default(-updated_at)
//	@Param			trashed		query		bool	false	"true: only the articles in the trash"	default(false)
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	editorialArticleListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles [get]
func (s *Server) listArticles(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "status", "author", "q", "category", "tag", "sort", "trashed")...)
	page := q.Page()
	f := store.EditorialQuery{Now: s.now(), Status: q.OneOf("status", "", models.ArticleStatuses...),
		AuthorID: q.ID("author"), Text: q.SearchText("q"), CategorySlug: q.String("category"), TagSlug: q.String("tag"),
		Sort: q.OneOf("sort", "", store.EditorialSorts...), Trashed: ptrTrue(q.Bool("trashed"))}
	if err := q.Err(); err != nil {
		return err
	}
	if p := principalOf(c); p.Is(models.RoleAuthor) {
		f.OwnerID = p.UserID
	}
	list, total, err := s.store.EditorialArticles(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	out := make([]editorialArticleItem, len(list))
	for i, a := range list {
		out[i] = s.toEditorialItem(a)
	}
	return c.JSON(http.StatusOK, editorialArticleListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// createArticle godoc
//
//	@ID			createArticle
//	@Summary		Write a new article
//	@Description	The article starts as a draft at version 1 (sent as ETag), by the caller. Without `slug` one is made from the title (`Đại hội đại biểu` → `dai-hoi-dai-bieu`, numbered when taken) and follows the title until the article is published. Tags are created from their names as needed. The body is sanitised: scripts, event handlers, styles and `javascript:`/`data:` URLs are removed.
//	@Tags			articles
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createArticleRequest	true	"the article"
//	@Success		201		{object}	editorialArticleResponse
//	@Header			201		{string}	ETag		"the version, quoted"
//	@Header			201		{string}	Location	"the new article"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"slug taken"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles [post]
func (s *Server) createArticle(c echo.Context) error {
	var req createArticleRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Slug != "" {
		errs.slug("slug", req.Slug)
	}
	errs.authorFirst(principalOf(c), req.AuthorIDs)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	a, err := s.store.CreateArticle(c.Request().Context(), actorOf(c), store.ArticleInput{
		Title: req.Title, Slug: req.Slug, Summary: req.Summary, Body: req.Body, CategoryID: req.CategoryID, Tags: req.Tags,
		CoverMediaID: req.CoverMediaID, CoverCaption: req.CoverCaption, Byline: req.Byline, Featured: req.Featured,
		AuthorIDs: req.AuthorIDs,
		SEO: store.ArticleSEO{MetaTitle: req.MetaTitle, MetaDescription: req.MetaDescription, CanonicalURL: req.CanonicalURL,
			OGImageMediaID: req.OGImageMediaID, Noindex: req.Noindex},
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/admin/articles/"+strconv.FormatInt(a.ID, 10))
	return s.respondArticle(c, http.StatusCreated, a)
}

// getArticle godoc
//
//	@ID			getArticle
//	@Summary	Show an article of any status
//	@Tags		articles
//	@Produce	json
//	@Param		id	path		int	true	"article id"
//	@Success	200	{object}	editorialArticleResponse
//	@Header		200	{string}	ETag	"the version, quoted"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem	"no such article, or another author's"
//	@Security	BearerAuth
//	@Router		/api/v1/admin/articles/{id} [get]
func (s *Server) getArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	a, err := s.store.ArticleByID(c.Request().Context(), id, articleReader(principalOf(c)))
	if err != nil {
		return err
	}
	return s.respondArticle(c, http.StatusOK, a)
}

// updateArticle godoc
//
//	@ID			updateArticle
//	@Summary		Change an article
//	@Description	Only the fields sent change; the version goes up by one and a revision is stored. Needs `If-Match` with the version read (428 without, 412 when someone changed it meanwhile). Until the article is published or given a slug by hand, a new title gives a new slug; after that only an explicit `slug` changes it. `unpublish_at` (editors only; 403 for authors) schedules or, with null, cancels the take-down. Authors may change their own articles only while draft or pending.
//	@Tags			articles
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"article id"
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateArticleRequest	true	"fields to change"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200			{string}	ETag	"the new version, quoted"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"slug taken, or the article is in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id} [patch]
func (s *Server) updateArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.articleVersion(c, id))
	if err != nil {
		return err
	}
	var req updateArticleRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Slug != nil {
		errs.slug("slug", *req.Slug)
	}
	errs.positiveID("cover_media_id", req.CoverMediaID.Value)
	if req.AuthorIDs != nil {
		errs.authorFirst(principalOf(c), *req.AuthorIDs)
	}
	errs.positiveID("og_image_media_id", req.OGImageMediaID.Value)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	if req.UnpublishAt.Set && principalOf(c).Is(models.RoleAuthor) {
		return models.Forbidden("only editors schedule a take-down (unpublish_at)")
	}
	patch := store.ArticlePatch{
		Title: req.Title, Slug: req.Slug, Summary: req.Summary, Body: req.Body, CategoryID: req.CategoryID, Tags: req.Tags,
		Cover: req.CoverMediaID, CoverCaption: req.CoverCaption, Byline: req.Byline, Featured: req.Featured,
		UnpublishAt: req.UnpublishAt,
		AuthorIDs:   req.AuthorIDs,
		MetaTitle:   req.MetaTitle, MetaDescription: req.MetaDescription, CanonicalURL: req.CanonicalURL,
		OGImage: req.OGImageMediaID, Noindex: req.Noindex,
	}
	a, err := s.store.UpdateArticle(c.Request().Context(), actorOf(c), id, patch, version, articleWriter(principalOf(c)))
	if err != nil {
		return err
	}
	return s.respondArticle(c, http.StatusOK, a)
}

// deleteArticle godoc
//
//	@ID			deleteArticle
//	@Summary		Move an article to the trash, or delete it for good
//	@Description	Moves the article to the trash: it goes back to draft at once (a published or scheduled article is unpublished, with `article.unpublished` and `data.status` `trashed`), disappears from every public read (detail, lists, search, feeds, sitemap, related, old slugs, preview links) and from the editorial list (see `trashed=true`), and keeps its revisions, tags and media links and its slug. Editors restore it (`POST /api/v1/admin/articles/{id}/restore`) until the trash retention (TOASOAN_TRASH_RETENTION, 30 days by default) ends, when it is deleted for good. With `permanent=true` an admin deletes an article in the trash for good at once (409 when it is not in the trash). Needs `If-Match` with the version read (428 without, 412 when stale); trashing makes a new version. Authors may trash their own articles only while draft or pending.
//	@Tags			articles
//	@Param			id			path	int		true	"article id"
//	@Param			permanent	query	bool	false	"true: delete an article in the trash for good (admins)"	default(false)
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem	"permanent=true and not an admin, or an author's article no longer draft or pending"
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"in the trash already, or (permanent=true) not in it"
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id} [delete]
func (s *Server) deleteArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := parseQuery(c, "permanent")
	permanent := ptrTrue(q.Bool("permanent"))
	if err := q.Err(); err != nil {
		return err
	}
	p := principalOf(c)
	if permanent && !p.Is(models.RoleAdmin) {
		return models.Forbidden("only admins delete articles for good")
	}
	version, err := ifMatchVersion(c, s.articleVersion(c, id))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if permanent {
		err = s.store.DeleteArticleForGood(ctx, actorOf(c), id, version, nil)
	} else {
		_, err = s.store.DeleteArticle(ctx, actorOf(c), id, version, articleWriter(p))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// restoreArticle godoc
//
//	@ID			restoreArticle
//	@Summary		Restore an article from the trash
//	@Description	The article comes back as a draft, whatever it was before it was trashed (a published article is not published again: publish it again when it should be), with its revisions, tags, media links and slug, and is found by search again once published. Needs `If-Match` with the version read (428 without, 412 when stale); restoring makes a new version with its revision. Editors only. An article not in the trash is 409.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int		true	"article id"
//	@Param			If-Match	header		string	true	"the version read, as its ETag gave it"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200			{string}	ETag	"the new version, quoted"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not in the trash"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/restore [post]
func (s *Server) restoreArticle(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.articleVersion(c, id))
	if err != nil {
		return err
	}
	a, err := s.store.RestoreArticle(c.Request().Context(), actorOf(c), id, version, nil)
	if err != nil {
		return err
	}
	return s.respondArticle(c, http.StatusOK, a)
}

// ptrTrue reports whether a parsed boolean parameter was sent as true.
func ptrTrue(b *bool) bool { return b != nil && *b }

// optionalIfMatch reads If-Match when sent; 0 when not.
func optionalIfMatch(c echo.Context) (int, error) {
	if strings.TrimSpace(c.Request().Header.Get(headerIfMatch)) == "" {
		return 0, nil
	}
	return ifMatchVersion(c, nil)
}

// articleVersion reads an article's version as the caller may see it, for a 428.
func (s *Server) articleVersion(c echo.Context, id int64) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		a, err := s.store.ArticleByID(ctx, id, articleReader(principalOf(c)))
		return a.Version, err
	}
}

// transition runs a workflow action and answers with the article.
func (s *Server) transition(c echo.Context, action string, when store.Schedule) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := optionalIfMatch(c)
	if err != nil {
		return err
	}
	a, err := s.store.TransitionArticle(c.Request().Context(), actorOf(c), id, action, when, version, articleWriter(principalOf(c)))
	if err != nil {
		return err
	}
	return s.respondArticle(c, http.StatusOK, a)
}

// submitArticle godoc
//
//	@ID			submitArticle
//	@Summary		Submit a draft for review
//	@Description	draft → pending. An optional `If-Match` makes it conditional (412 when stale). Any other status is 409.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int		true	"article id"
//	@Param			If-Match	header		string	false	"the version read, as its ETag gave it"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200	{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not a draft, or in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/submit [post]
func (s *Server) submitArticle(c echo.Context) error {
	return s.transition(c, models.ActionSubmit, store.Schedule{})
}

// publishArticle godoc
//
//	@ID			publishArticle
//	@Summary		Publish or schedule an article
//	@Description	draft, pending or scheduled → published now, or → scheduled with a future `publish_at`: the article appears on the public API at that time, with no job needed. Nothing about a scheduled article leaves toasoan before its `publish_at` (no webhook, feed, sitemap, search hit or count); `article.published` fires once, when it goes live (the scheduler, within about a second, or the first one after start-up if toasoan was down). An `unpublish_at` schedules the take-down: the article goes back to draft then, with `article.unpublished`. The body is optional. The slug is fixed from then on. Editors only. An optional `If-Match` makes it conditional.
//	@Tags			articles
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int				true	"article id"
//	@Param			If-Match	header		string			false	"the version read, as its ETag gave it"
//	@Param			body		body		publishRequest	false	"when to publish"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200	{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"already published or archived, or in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem	"publish_at not in the future, or unpublish_at not after the publication"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/publish [post]
func (s *Server) publishArticle(c echo.Context) error {
	var req publishRequest
	if err := bindOptionalJSON(c, &req); err != nil {
		return err
	}
	return s.transition(c, models.ActionPublish, store.Schedule{PublishAt: req.PublishAt, UnpublishAt: req.UnpublishAt})
}

// unpublishArticle godoc
//
//	@ID			unpublishArticle
//	@Summary		Take an article back to draft
//	@Description	published, scheduled or archived → draft: it disappears from the public API. Editors only. An optional `If-Match` makes it conditional.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int		true	"article id"
//	@Param			If-Match	header		string	false	"the version read, as its ETag gave it"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200	{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not published, or in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/unpublish [post]
func (s *Server) unpublishArticle(c echo.Context) error {
	return s.transition(c, models.ActionUnpublish, store.Schedule{})
}

// archiveArticle godoc
//
//	@ID			archiveArticle
//	@Summary		Archive a published article
//	@Description	published → archived: it disappears from the public API but keeps its publication date. Editors only. An optional `If-Match` makes it conditional.
//	@Tags			articles
//	@Produce		json
//	@Param			id			path		int		true	"article id"
//	@Param			If-Match	header		string	false	"the version read, as its ETag gave it"
//	@Success		200			{object}	editorialArticleResponse
//	@Header			200	{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not published, or in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/articles/{id}/archive [post]
func (s *Server) archiveArticle(c echo.Context) error {
	return s.transition(c, models.ActionArchive, store.Schedule{})
}

// bindOptionalJSON is bindJSON for a body that may be left out altogether.
func bindOptionalJSON(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return jsonError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return c.Validate(dst)
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return bindJSON(c, dst)
}
