package handlers

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// maxQueryLength is the longest q accepted, in characters.
const maxQueryLength = 200

// searchResult is one hit of GET /search.
type searchResult struct {
	Type        string    `json:"type" example:"article" enums:"article,document,announcement"`
	ID          int64     `json:"id"`
	Slug        *string   `json:"slug" example:"dai-hoi-dai-bieu-mttq-tinh-gia-lai" extensions:"x-nullable"`
	Title       string    `json:"title"`
	Snippet     string    `json:"snippet" example:"… phong trào toàn dân <mark>bảo vệ an ninh</mark> Tổ quốc …"`
	PublishedAt time.Time `json:"published_at" format:"date-time"`
} // @name SearchResult

type searchResponse struct {
	Data []searchResult `json:"data"`
	Meta searchMeta     `json:"meta"`
} // @name SearchResultList

var publicSearchKinds = []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}

// searchKindKeys are the surrogate keys of the results of a kind.
var searchKindKeys = map[string][]string{
	store.KindArticle:      {surrogate.Articles},
	store.KindAnnouncement: {surrogate.Announcements},
	store.KindDocument:     {surrogate.Documents, surrogate.DocumentTypes},
}

// searchAll godoc
//
//	@ID			search
//	@Summary		Search published content
//	@Description	Vietnamese search that ignores case and diacritics both ways (đ/Đ → d): "bao ve an ninh" finds "Bảo vệ an ninh". Every word must be a word of the item; the last may also be the start of one, so results come while a reader types. Words in double quotes (straight or curly: "…", “…”) are a phrase: adjacent, in that order, within the title or within the body; quotes and words mix (`"an ninh" to quoc`). Outside quotes, an abbreviation of the managed list (GET /api/v1/admin/search/abbreviations) and its long form find each other: ubnd finds "Ủy ban nhân dân", tp.hcm, tphcm and hcm find "Thành phố Hồ Chí Minh", "Mặt trận Tổ quốc" finds MTTQ; inside quotes words are taken as written. Ranking: an item whose title is exactly the query (folded) comes first; then the 200 newest matches by score = (relevance / top relevance + 1 if the title alone matches) × (1 + 1 / (1 + age in days / 30)) / 2, relevance being PostgreSQL ts_rank_cd (title weight 1.0, body 0.2) or SQLite FTS5 bm25 (title 5, body 1), so recency counts fully today, ¾ at 30 days, towards ½ when old; equal scores newer first; past those 200, newest first. A search with fewer than 3 results offers meta.did_you_mean, the query with each word no item holds replaced by the closest indexed word (at most one edit up to five letters, two from six); when it found nothing, the results are those of that query, with meta.approximate true. Snippets mark hits with <mark>; all other text is HTML-escaped.
//	@Tags			search
//	@Produce		json
//	@Param			q			query		string	true	"what to look for (at most 200 characters, at most 16 words): words, "quoted phrases", abbreviations"
//	@Param			type		query		[]string	false	"comma-separated kinds (default all)"	collectionFormat(csv)	Enums(article, document, announcement)
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	searchResponse
//	@Success		304			"not modified: the If-None-Match ETag is current"
//	@Header			200,304		{string}	ETag	"strong validator of the body"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400	{object}	problem
//	@Router			/api/v1/search [get]
func (s *Server) searchAll(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "q", "type")...)
	text := searchText(q)
	page := q.Page()
	kinds := publicSearchKinds
	if raw := q.String("type"); raw != "" {
		kinds = nil
		for _, k := range strings.Split(raw, ",") {
			k = strings.TrimSpace(k)
			if k != store.KindArticle && k != store.KindDocument && k != store.KindAnnouncement {
				q.fail("type", "must be a comma-separated list of article, document, announcement")
				break
			}
			kinds = append(kinds, k)
		}
	}
	if err := q.Err(); err != nil {
		return err
	}
	query, err := s.store.ParseSearch(c.Request().Context(), text)
	if err != nil {
		return err
	}
	sq := store.SearchQuery{Query: query, Kinds: kinds, Public: true, Now: s.now(), Offset: page.Offset(), Limit: page.PerPage}
	hits, total, err := s.store.Search(c.Request().Context(), sq)
	if err != nil {
		return err
	}
	meta, hits, total, query, err := s.didYouMean(c, sq, hits, total)
	if err != nil {
		return err
	}
	for _, k := range kinds {
		addKeys(c, searchKindKeys[k]...)
	}
	addKeys(c, surrogate.Abbreviations)
	out := make([]searchResult, len(hits))
	for i, h := range hits {
		r := searchResult{Type: h.Kind, ID: h.ItemID, Title: h.Title, PublishedAt: h.SortTime}
		if h.Slug != "" {
			slug := h.Slug
			r.Slug = &slug
		}
		// The excerpt shows the hits of the body; when only the title matched, the title itself.
		r.Snippet = query.Snippet(h.Body, search.DefaultSnippetWidth)
		if !strings.Contains(r.Snippet, "<mark>") {
			r.Snippet = query.Snippet(h.Title, search.DefaultSnippetWidth)
		}
		out[i] = r
	}
	meta.Pagination = models.NewPagination(page, total)
	return publicJSON(c, searchResponse{Data: out, Meta: meta})
}

// searchText reads the required q parameter of GET /search: it must hold at least one word.
func searchText(q *queryParams) string {
	if q.String("q") == "" {
		q.fail("q", "is required")
		return ""
	}
	raw := q.SearchText("q")
	if raw != "" && search.ParseQuery(raw, nil).Empty() {
		q.fail("q", "must contain at least one letter or digit")
	}
	return raw
}

// SearchText reads a search parameter, the same everywhere q is taken: at most maxQueryLength
// characters. Query syntax characters are plain text: folding turns them into spaces, and the
// store quotes every term; as a list filter, a q without words finds nothing.
func (q *queryParams) SearchText(name string) string {
	raw := q.String(name)
	if utf8.RuneCountInString(raw) > maxQueryLength {
		q.fail(name, "must be at most 200 characters")
		return ""
	}
	return raw
}
