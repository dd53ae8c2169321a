package store

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/toasoan/toasoan/internal/search"
)

// MaxSuggestions is how many suggestions search-as-you-type returns at most; maxTagSuggestions
// of them may be tags, which come first.
const (
	MaxSuggestions    = 8
	maxTagSuggestions = 3
)

// Suggestion is one completion of a prefix: a tag or an article.
type Suggestion struct {
	Kind  string // KindArticle or SuggestTag
	ID    int64
	Slug  string
	Title string // the article's title, or the tag's name
}

// SuggestTag is the kind of a tag's suggestion.
const SuggestTag = "tag"

// SuggestPrefix folds a typed prefix for Suggest: "Quốc h" is "quoc h". A prefix ending in a
// separator keeps one space at its end, so "quoc " completes the word quoc and not quoctich.
// It is empty when the prefix has no letter or digit.
func SuggestPrefix(typed string) string {
	folded := search.Fold(typed)
	if folded == "" {
		return ""
	}
	if last, _ := utf8.DecodeLastRuneInString(typed); !unicode.IsLetter(last) && !unicode.IsDigit(last) && !unicode.IsMark(last) {
		folded += " "
	}
	return folded
}

// Suggest completes a folded prefix (SuggestPrefix) for search-as-you-type: first at most
// maxTagSuggestions tags whose slug starts with it and that a public article carries, by slug,
// then the newest articles public at now whose folded title starts with it, MaxSuggestions in
// all. Each part is one range of an index (tags' slugs; search_index_title_prefix), except a
// one-letter prefix on SQLite, read along the recency index.
func (s *Store) Suggest(ctx context.Context, prefix string, now time.Time) ([]Suggestion, error) {
	now = now.UTC()
	db := s.db.WithContext(ctx)
	out := []Suggestion{}
	if slug := strings.TrimSuffix(search.Slugify(prefix), "-"); slug != "" {
		if strings.HasSuffix(prefix, " ") {
			slug += "-"
		}
		var tags []Suggestion
		err := db.Table("tags").Select("id, slug, name AS title").
			Where(`slug LIKE ? ESCAPE '\'`, likeEscape(slug)+"%").
			Where("EXISTS (SELECT 1 FROM article_tags WHERE article_tags.tag_id = tags.id AND article_tags.public_at <= ?)", now).
			Order("slug").Limit(maxTagSuggestions).Scan(&tags).Error
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			t.Kind = SuggestTag
			out = append(out, t)
		}
	}
	// Folded text holds no LIKE or GLOB syntax (only letters, digits and spaces). A finished word
	// ("quoc ") is the range of the word's start, then kept where the word ends.
	like, wild := "LIKE", "%"
	if s.Dialect() != Postgres {
		like, wild = "GLOB", "*"
	}
	word, finished := strings.CutSuffix(prefix, " ")
	titles := db.Where("si.title_folded "+like+" ?", word+wild)
	if finished {
		titles = titles.Where(db.Where("si.title_folded "+like+" ?", prefix+wild).Or("si.title_folded = ?", word))
	}
	table := "search_index si"
	if s.Dialect() != Postgres && len(prefix) == 1 {
		// One letter starts many titles: SQLite's planner would sort them all, where reading the
		// newest first finds eight at once (PostgreSQL's planner makes that choice itself).
		table = "search_index si INDEXED BY search_index_recent"
	}
	var articles []Suggestion
	// The literal kind and public let both planners use the partial index.
	err := db.Table(table).Select("si.item_id AS id, si.slug, si.title").
		Where("si.kind = 'article' AND si.public").Where(titles).
		Where("si.public_from IS NULL OR si.public_from <= ?", now).
		Where("si.public_until IS NULL OR si.public_until > ?", now).
		Order("si.sort_time DESC, si.item_id DESC").Limit(MaxSuggestions - len(out)).Scan(&articles).Error
	if err != nil {
		return nil, err
	}
	for _, a := range articles {
		a.Kind = KindArticle
		out = append(out, a)
	}
	return out, nil
}
