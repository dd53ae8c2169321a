package handlers

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// relatedLimit is how many related articles a public article shows.
const relatedLimit = 5

// publicArticle is an article in the public lists: API.md's item fields, no body.
type publicArticle struct {
	ID          int64           `json:"id"`
	Slug        string          `json:"slug" example:"ky-ket-quy-che-phoi-hop"`
	Title       string          `json:"title" example:"Ký kết Quy chế phối hợp"`
	Summary     string          `json:"summary"`
	Cover       *articleCover   `json:"cover" extensions:"x-nullable"`
	Category    articleCategory `json:"category"`
	Tags        []tagRef        `json:"tags"`
	Author      userRef         `json:"author"`
	Authors     []authorRef     `json:"authors"` // every author in order, the primary first
	Byline      string          `json:"byline"`
	Featured    bool            `json:"featured"`
	PublishedAt *time.Time      `json:"published_at" extensions:"x-nullable" format:"date-time"`
	UpdatedAt   time.Time       `json:"updated_at" format:"date-time"`
	// Views counted by the view beacon, as of the last refresh (every TOASOAN_VIEW_COUNT_REFRESH, 5 minutes by default): it moves in steps, not with each view, so bodies and ETags stay the same between refreshes.
	ViewCount int64 `json:"view_count" example:"1250"`
	// Words of the body's text and the minutes they take to read: 200 words a minute, rounded up, at least 1 for a body with any word (0 for an empty body).
	WordCount   int `json:"word_count" example:"840"`
	ReadingTime int `json:"reading_time" example:"5"`
} // @name ArticleItem

// articleSEO is what an article page puts in its head: every value with its default applied.
type articleSEO struct {
	// meta_title, or the title.
	Title string `json:"title" example:"Ký kết Quy chế phối hợp công tác năm 2026"`
	// meta_description, or the summary.
	Description string `json:"description"`
	// canonical_url, or the article's page on the public site (TOASOAN_SITE_URL + /articles/{slug}).
	CanonicalURL string `json:"canonical_url" example:"https://mattran.org.vn/articles/ky-ket-quy-che-phoi-hop"`
	// The Open Graph image (og:image, og:image:width, og:image:height): og_image, or the cover; null without either.
	Image *articleImage `json:"image" extensions:"x-nullable"`
	// true: send `<meta name="robots" content="noindex">`; the article is left out of the sitemap.
	Noindex bool `json:"noindex"`
} // @name ArticleSEO

// publicArticleDetail is a published article with its body and related articles.
type publicArticleDetail struct {
	publicArticle
	Body    string          `json:"body"` // sanitised HTML
	SEO     articleSEO      `json:"seo"`  // only on the article itself, not in lists
	Related []publicArticle `json:"related"`
} // @name Article

type publicArticleResponse struct {
	Data publicArticleDetail `json:"data"`
} // @name ArticleResponse

type publicArticleListResponse struct {
	Data []publicArticle `json:"data"`
	Meta listMeta        `json:"meta"`
} // @name ArticleList

// sparseArticleListResponse and sparseArticleResponse are ArticleList and ArticleResponse with
// fields=: only the fields asked for (the document's ArticleListSparse and ArticleResponseSparse).
type sparseArticleListResponse struct {
	Data any      `json:"data"`
	Meta listMeta `json:"meta"`
}

type sparseArticleResponse struct {
	Data any `json:"data"`
}

func (s *Server) toPublicArticle(a models.Article) publicArticle {
	return publicArticle{
		ID: a.ID, Slug: a.Slug, Title: a.Title, Summary: a.Summary, Cover: s.coverOf(a),
		Category: toArticleCategory(a.Category),
		Tags:     toTagRefs(a.Tags), Author: toUserRef(a.Author), Authors: s.toAuthorRefs(a.Authors),
		Byline: a.Byline, Featured: a.Featured, PublishedAt: a.PublishedAt,
		UpdatedAt: a.UpdatedAt, ViewCount: a.ShownViewCount,
		WordCount: a.WordCount, ReadingTime: a.ReadingTime,
	}
}

// seoOf applies the defaults to an article's SEO fields.
func (s *Server) seoOf(a models.Article) articleSEO {
	out := articleSEO{Title: cmp.Or(a.MetaTitle, a.Title), Description: cmp.Or(a.MetaDescription, a.Summary),
		CanonicalURL: cmp.Or(a.CanonicalURL, s.articleURL(a.Slug)), Image: s.imageOf(a.OGImage), Noindex: a.Noindex}
	if out.Image == nil {
		out.Image = s.imageOf(a.Cover)
	}
	return out
}

// articleKeys notes the surrogate keys of a shown article: its own, and those of its category,
// tags, authors (and their avatars) and cover, whose names and URLs it shows.
func articleKeys(c echo.Context, a models.Article) {
	addKeys(c, surrogate.Article(a.ID), surrogate.Category(a.CategoryID), surrogate.Author(a.AuthorID))
	for _, u := range a.Authors {
		addKeys(c, surrogate.Author(u.ID))
		if u.AvatarMediaID != nil {
			addKeys(c, surrogate.Media(*u.AvatarMediaID))
		}
	}
	for _, t := range a.Tags {
		addKeys(c, surrogate.Tag(t.ID))
	}
	if a.CoverMediaID != nil {
		addKeys(c, surrogate.Media(*a.CoverMediaID))
	}
	if a.OGImageMediaID != nil {
		addKeys(c, surrogate.Media(*a.OGImageMediaID))
	}
}

func (s *Server) toPublicArticles(list []models.Article) []publicArticle {
	out := make([]publicArticle, len(list))
	for i, a := range list {
		out[i] = s.toPublicArticle(a)
	}
	return out
}

// encodeCursor makes the opaque cursor that follows an article in the newest-first list.
func encodeCursor(a models.Article) string {
	raw := strconv.FormatInt(a.PublishedAt.UnixNano(), 10) + ":" + strconv.FormatInt(a.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(cursor string) (*store.ArticleCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, false
	}
	nanos, id, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, false
	}
	n, err1 := strconv.ParseInt(nanos, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || i < 1 {
		return nil, false
	}
	return &store.ArticleCursor{PublishedAt: time.Unix(0, n).UTC(), ID: i}, true
}

// noAuthor is the author filter of a slug no author has: no user has this id, so it matches
// nothing.
const noAuthor = -1

func notDigit(r rune) bool { return r < '0' || r > '9' }

// articleSorts are the orders of the public article list, the default first.
var articleSorts = []string{"-published_at", "-view_count"}

// viewPeriods are the most-read periods: how many newsroom days before today their views
// come from, besides today's. Views are kept per day, so a period always covers at least its
// full length and at most one day more: "day" is yesterday and today so far.
var viewPeriods = map[string]int{"day": 1, "week": 7, "month": 30}

// viewPeriodNames are the values of period, in the order the document lists them.
var viewPeriodNames = []string{"day", "week", "month"}

// listPublicArticles godoc
//
//	@ID			listPublicArticles
//	@Summary		Published articles
//	@Description	Only published articles (and scheduled ones whose time has come). Newest first by default; `sort=-view_count` gives the most read of all time, and with `period` the most read ("Đọc nhiều") of the last day, week or month: only articles read in it, most views in it first (ties newest first). A period counts whole newsroom days (Vietnam time), today so far included: `day` is today and yesterday, `week` today and the 7 days before, `month` today and the 30 days before. Both orders use the views as of the last refresh (every 5 minutes by default, TOASOAN_VIEW_COUNT_REFRESH), the same `view_count` the items show. Pages come two ways: `page` and `per_page` with a total, or, for "Xem thêm" infinite scroll, `cursor` from the previous page's `meta.pagination.next_cursor`: no total is computed, and articles published meanwhile never make an article repeat or go missing. `next_cursor` is given on newest-first lists while more articles follow. A bad value of any parameter is 400 naming it. For apps: `ids=12,40,41` reads a batch of articles by id (at most 100): the public ones among them, in the order asked (a repeated id once), with every other article (missing, draft, pending, archived, trashed, scheduled and not yet live) simply left out, so the batch may hold fewer items than ids; `meta.pagination` counts what was found. A batch is not a filtered or paged list: `ids` with any other parameter but `fields` is 400 naming `ids`. `fields=id,slug,title,cover,published_at` (on lists, batches and the article) answers only those top-level fields of each item, as `application/vnd.toasoan.sparse+json` (ArticleListSparse / ArticleResponseSparse: JSON like the full answer, its items' properties optional); a name that is not a field is 400 naming `fields`. The same fields in any order give the same body and ETag.
//	@Tags			articles
//	@Produce		json
//	@Param			category		query		string	false	"category slug; includes its sub-categories"
//	@Param			tag				query		string	false	"tag slug"
//	@Param			featured		query		bool	false	"only featured (true) or not featured (false) articles"
//	@Param			author			query		string	false	"an author's slug, or their user id (digits): articles they wrote, as primary author or co-author; an unknown slug matches nothing"
//	@Param			from			query		string	false	"published on or after this day (YYYY-MM-DD, Vietnam time)"	format(date)
//	@Param			to				query		string	false	"published on or before this day (YYYY-MM-DD, Vietnam time)"	format(date)
//	@Param			updated_since	query		string	false	"only articles edited or gone live at or after this instant (RFC 3339): for apps polling for changes; GET /api/v1/sync also tells of removals"	format(date-time)
//	@Param			q				query		string	false	"words to find, ignoring case and diacritics (the last may be a word's start; at most 200 characters)"
//	@Param			sort			query		string	false	"order"	Enums(-published_at, -view_count)	default(-published_at)
//	@Param			period			query		string	false	"with sort=-view_count: rank by the views of the last day, week or month"	Enums(day, week, month)
//	@Param			page			query		int		false	"page, from 1 (not with cursor)"
//	@Param			per_page		query		int		false	"items per page (default 20, at most 100)"
//	@Param			cursor			query		string	false	"next_cursor of the previous page"
//	@Param			ids				query		string	false	"a batch by id: at most 100 article ids separated by commas (e.g. 12,40,41), not with any other parameter but fields; answers the public ones among them in the order asked, the others (missing, unpublished, scheduled not yet live) simply absent"
//	@Param			fields			query		string	false	"only these top-level fields of each item, separated by commas (e.g. id,slug,title,cover,published_at), answered as application/vnd.toasoan.sparse+json; an unknown name is 400"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicArticleListResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/api/v1/articles [get]
func (s *Server) listPublicArticles(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "category", "tag", "featured", "author", "from", "to", "q", "sort", "period", "cursor", "ids", "fields", "updated_since")...)
	fields := q.Fields(articleItemFields)
	if _, batch := q.values["ids"]; batch {
		return s.publicArticleBatch(c, q, fields)
	}
	page := q.Page()
	f := store.PublicQuery{
		Now: s.now(), CategorySlug: q.String("category"), TagSlug: q.String("tag"), Featured: q.Bool("featured"),
		From: q.Date("from", models.NewsroomZone), To: q.Date("to", models.NewsroomZone),
		Text: q.SearchText("q"), ByViews: q.OneOf("sort", articleSorts[0], articleSorts...) == "-view_count",
		UpdatedSince: q.Time("updated_since"),
	}
	if period := q.OneOf("period", "", viewPeriodNames...); period != "" {
		if !f.ByViews {
			q.fail("period", "works only with sort=-view_count")
		}
		f.ViewsSince = store.NewsroomDay(f.Now.AddDate(0, 0, -viewPeriods[period]))
	}
	if f.To != nil {
		end := f.To.AddDate(0, 0, 1) // to is inclusive: up to the end of that day
		f.To = &end
		if f.From != nil && !f.From.Before(end) {
			q.fail("to", "must not be before from")
		}
	}
	if cursor := q.String("cursor"); cursor != "" {
		var ok bool
		switch f.After, ok = decodeCursor(cursor); {
		case !ok:
			q.fail("cursor", "is not a cursor from meta.pagination.next_cursor")
		case f.ByViews:
			q.fail("cursor", "works only with sort=-published_at")
		case q.String("page") != "":
			q.fail("cursor", "cannot be combined with page")
		}
	}
	switch author := q.String("author"); {
	case author == "":
	case !strings.ContainsFunc(author, notDigit):
		f.AuthorID = q.ID("author")
	case !search.IsSlug(author):
		q.fail("author", "must be an author's slug or user id")
	}
	if err := q.Err(); err != nil {
		return err
	}
	if author := q.String("author"); author != "" && strings.ContainsFunc(author, notDigit) {
		id, err := s.store.AuthorFilter(c.Request().Context(), author)
		if err != nil {
			return err
		}
		f.AuthorID = cmp.Or(id, noAuthor)
	}
	list, err := s.store.PublicArticles(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	var pagination models.Pagination
	if list.Total != nil {
		pagination = models.NewPagination(page, *list.Total)
	} else {
		pagination = models.Pagination{PerPage: page.PerPage}
	}
	if list.More && !f.ByViews {
		pagination.NextCursor = encodeCursor(list.Articles[len(list.Articles)-1])
	}
	addKeys(c, surrogate.Articles, surrogate.Categories, surrogate.Tags)
	if f.Text != "" { // what q finds changes with the abbreviations
		addKeys(c, surrogate.Abbreviations)
	}
	for _, a := range list.Articles {
		articleKeys(c, a)
	}
	return s.publicArticleList(c, list.Articles, listMeta{Pagination: pagination}, fields)
}

// publicArticleBatch answers ids=: the public articles among those named, in their order.
func (s *Server) publicArticleBatch(c echo.Context, q *queryParams, fields []string) error {
	ids := q.IDs("ids", store.MaxArticleIDs)
	for _, name := range batchConflicts {
		if _, given := q.values[name]; given {
			q.fail("ids", "cannot be combined with "+name+": a batch lists the articles named, in the order named")
		}
	}
	if err := q.Err(); err != nil {
		return err
	}
	list, err := s.store.PublicArticlesByID(c.Request().Context(), ids, s.now())
	if err != nil {
		return err
	}
	// An article that becomes public purges the lists' key, so a cached batch that left it out
	// is dropped.
	addKeys(c, surrogate.Articles, surrogate.Categories, surrogate.Tags)
	for _, a := range list {
		articleKeys(c, a)
	}
	return s.publicArticleList(c, list, batchMeta(len(list)), fields)
}

// publicArticleList answers a page of public articles, with only the fields asked for, if any.
func (s *Server) publicArticleList(c echo.Context, list []models.Article, meta listMeta, fields []string) error {
	items := s.toPublicArticles(list)
	if fields == nil {
		return publicJSON(c, publicArticleListResponse{Data: items, Meta: meta})
	}
	data, err := sparseList(items, fields)
	if err != nil {
		return err
	}
	return publicJSONAs(c, sparseMediaType, sparseArticleListResponse{Data: data, Meta: meta})
}

// getPublicArticle godoc
//
//	@ID			getPublicArticle
//	@Summary		A published article
//	@Description	With its body and up to 5 related published articles (same category or a shared tag, newest first). Drafts, pending, future scheduled and archived articles are 404. A slug the article had before (once it was public, or fixed: published once or set by hand) answers 301 with `Location` to the current one and a body naming it, so frontends redirect readers and crawlers keep the page's ranking; such slugs are never given to another article. Reading it never counts a view (`POST /api/v1/articles/{slug}/views` does, from the reader's browser), and `view_count` moves only at the refresh of the shown views (every 5 minutes by default, TOASOAN_VIEW_COUNT_REFRESH), so the body and its ETag stay the same between edits and refreshes. `seo` gives the page's head with the defaults applied (meta_title → title, meta_description → summary, og_image → cover, canonical_url → the article's page on the site); a `noindex` article is left out of the sitemap. `category.path` runs from the root category to the article's, for breadcrumbs. Bodies keep embeds of the allowed providers (TOASOAN_EMBED_PROVIDERS) as sandboxed, lazy iframes.
//	@Tags			articles
//	@Produce		json
//	@Param			slug			path		string	true	"article slug"
//	@Param			fields			query		string	false	"only these top-level fields of the article, separated by commas (e.g. id,slug,title,body), answered as application/vnd.toasoan.sparse+json; an unknown name is 400. Related articles are read only when related is asked for"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	publicArticleResponse
//	@Success		301				{object}	movedResponse	"a slug the article had before: Location is its current path"
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,301,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,301,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Header			301		{string}	Location	"the article's current path"
//	@Failure		400				{object}	problem
//	@Failure		404				{object}	problem
//	@Router			/api/v1/articles/{slug} [get]
func (s *Server) getPublicArticle(c echo.Context) error {
	q := parseQuery(c, "fields")
	fields := q.Fields(articleFields)
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := s.now()
	a, err := s.store.PublicArticle(ctx, c.Param("slug"), now)
	if models.ErrorCode(err) == models.CodeNotFound {
		if m, merr := s.store.ArticleMoved(ctx, c.Param("slug"), now); merr == nil {
			return movedPermanently(c, movedArticle(m), surrogate.Article(m.ID))
		} else if models.ErrorCode(merr) != models.CodeNotFound {
			return merr
		}
	}
	if err != nil {
		return err
	}
	var related []models.Article
	if fields == nil || slices.Contains(fields, "related") {
		if related, err = s.store.RelatedArticles(ctx, a, now, relatedLimit); err != nil {
			return err
		}
	}
	articleKeys(c, a)
	for _, r := range related {
		articleKeys(c, r)
	}
	detail := publicArticleDetail{
		publicArticle: s.toPublicArticle(a), Body: a.Body, SEO: s.seoOf(a), Related: s.toPublicArticles(related),
	}
	if fields == nil {
		return publicJSON(c, publicArticleResponse{Data: detail})
	}
	data, err := sparse(detail, fields)
	if err != nil {
		return err
	}
	return publicJSONAs(c, sparseMediaType, sparseArticleResponse{Data: data})
}
