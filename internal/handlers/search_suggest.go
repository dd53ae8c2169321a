package handlers

import (
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// maxSuggestLength is the longest q of GET /search/suggest, in characters.
const maxSuggestLength = 100

// suggestion is one completion of GET /search/suggest.
type suggestion struct {
	Type  string `json:"type" example:"article" enums:"article,tag"`
	ID    int64  `json:"id"`
	Slug  string `json:"slug" example:"quoc-hoi-thong-qua-luat-dat-dai"`
	Title string `json:"title" example:"Quốc hội thông qua Luật Đất đai"` // the article's title, or the tag's name
} // @name Suggestion

// suggestionKinds are the types of suggestions, as the enum of suggestion.Type lists them.
var suggestionKinds = []string{store.KindArticle, store.SuggestTag}

type suggestResponse struct {
	Data []suggestion `json:"data"`
} // @name SuggestionList

// searchSuggest godoc
//
//	@ID				searchSuggest
//	@Summary		Complete a prefix (search-as-you-type)
//	@Description	Up to 8 completions of what a reader is typing, folded as search folds (case, diacritics, đ → d): "quoc h" finds "Quốc hội …". First at most 3 tags whose name starts with it and that a published article carries (by slug), then the newest published articles whose title starts with it. A q ending in a space or punctuation completes only titles whose word ends there. Drafts, scheduled and trashed articles never appear.
//	@Tags			search
//	@Produce		json
//	@Param			q	query		string	true	"what the reader has typed so far (1 to 100 characters, at least one letter or digit)"
//	@Success		200	{object}	suggestResponse
//	@Success		304	"not modified: the If-None-Match ETag is current"
//	@Header			200,304	{string}	ETag	"strong validator of the body"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400	{object}	problem
//	@Router			/api/v1/search/suggest [get]
func (s *Server) searchSuggest(c echo.Context) error {
	q := parseQuery(c, "q")
	raw := strings.TrimLeft(q.values.Get("q"), " \t\r\n")
	prefix := store.SuggestPrefix(raw)
	switch n := utf8.RuneCountInString(raw); {
	case strings.TrimSpace(raw) == "":
		q.fail("q", "is required")
	case n > maxSuggestLength:
		q.fail("q", "must be at most 100 characters")
	case prefix == "":
		q.fail("q", "must contain at least one letter or digit")
	}
	if err := q.Err(); err != nil {
		return err
	}
	found, err := s.store.Suggest(c.Request().Context(), prefix, s.now())
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Articles, surrogate.Tags)
	out := make([]suggestion, len(found))
	for i, f := range found {
		out[i] = suggestion{Type: f.Kind, ID: f.ID, Slug: f.Slug, Title: f.Title}
	}
	return publicJSON(c, suggestResponse{Data: out})
}
