package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/loop"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
)

// searchMeta is the meta of GET /search: the pagination, and the corrected query when the
// search found little.
type searchMeta struct {
	Pagination models.Pagination `json:"pagination"`
	// the query with each word no item holds replaced by the closest indexed word (folded: lower
	// case, no diacritics), when the search found fewer than 3 results and a correction finds some
	// (absent otherwise)
	DidYouMean *string `json:"did_you_mean,omitempty" example:"an ninh"`
	// true when the results are those of did_you_mean, the query itself having found nothing
	// (absent otherwise)
	Approximate bool `json:"approximate,omitempty"`
} // @name SearchMeta

// didYouMean completes a search that found fewer than store.DidYouMeanBelow results: its meta
// offers the corrected query when that finds results, and when the search found nothing the
// results are the corrected query's, marked approximate. It returns the query the results are of.
func (s *Server) didYouMean(c echo.Context, sq store.SearchQuery, hits []store.SearchHit, total int64) (searchMeta, []store.SearchHit, int64, search.Query, error) {
	var meta searchMeta
	if total >= store.DidYouMeanBelow {
		return meta, hits, total, sq.Query, nil
	}
	corrected, ok, err := s.store.DidYouMean(c.Request().Context(), sq)
	if err != nil || !ok {
		return meta, hits, total, sq.Query, err
	}
	text := strings.Join(corrected.Terms, " ")
	meta.DidYouMean = &text
	if total > 0 {
		return meta, hits, total, sq.Query, nil
	}
	meta.Approximate = true
	return meta, corrected.Hits, corrected.Total, corrected.Query, nil
}

// rebuildVocabularyEvery rebuilds the vocabulary "did you mean" corrects to at once and then
// every interval, until ctx is done.
func (s *Server) rebuildVocabularyEvery(ctx context.Context, interval time.Duration) {
	s.rebuildVocabulary(ctx)
	loop.Every(ctx, interval, nil, func() { s.rebuildVocabulary(ctx) })
}

// rebuildVocabulary rebuilds the vocabulary from the items public on the server's clock.
func (s *Server) rebuildVocabulary(ctx context.Context) {
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	n, err := s.store.RebuildSearchVocabulary(runCtx, s.now())
	if err != nil {
		s.log.Error("search vocabulary not rebuilt", "error", err.Error())
		return
	}
	s.log.Info("search vocabulary rebuilt", "words", n)
}
