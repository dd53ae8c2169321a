package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/search"
)

// Kinds of searchable items.
const (
	KindArticle      = "article"
	KindDocument     = "document"
	KindAnnouncement = "announcement"
	KindSubmission   = "submission"
)

// SearchEntry is what the search index keeps of one item. Title and Body are the original
// (accented, plain) text, used for snippets; the folded copies are derived here.
type SearchEntry struct {
	Kind        string
	ItemID      int64
	Slug        string
	Title       string
	Body        string
	Public      bool       // may appear in public search at all (published)
	PublicFrom  *time.Time // and not before (scheduled articles, announcements)
	PublicUntil *time.Time // and not from then on (announcements)
	SortTime    time.Time  // newest first among equals
}

type searchRow struct {
	ID          int64 `gorm:"primaryKey"`
	Kind        string
	ItemID      int64
	Slug        string
	Title       string
	Body        string
	TitleFolded string
	BodyFolded  string
	Public      bool
	PublicFrom  *time.Time
	PublicUntil *time.Time
	SortTime    time.Time
}

func (searchRow) TableName() string { return "search_index" }

// indexSearch writes (or rewrites) an item's entry, in the caller's transaction so the index
// never disagrees with the item.
func indexSearch(tx *gorm.DB, e SearchEntry) error {
	row := searchRow{
		Kind: e.Kind, ItemID: e.ItemID, Slug: e.Slug, Title: e.Title, Body: e.Body,
		TitleFolded: search.Fold(e.Title), BodyFolded: search.Fold(e.Body),
		Public: e.Public, PublicFrom: e.PublicFrom, PublicUntil: e.PublicUntil, SortTime: e.SortTime.UTC(),
	}
	return tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "kind"}, {Name: "item_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"slug", "title", "body", "title_folded", "body_folded",
			"public", "public_from", "public_until", "sort_time"}),
	}).Create(&row).Error
}

// unindexSearch removes an item's entry.
func unindexSearch(tx *gorm.DB, kind string, itemID int64) error {
	return tx.Where("kind = ? AND item_id = ?", kind, itemID).Delete(&searchRow{}).Error
}

// SearchQuery is a validated search request.
type SearchQuery struct {
	Terms  []string // from search.Terms: folded, distinct, at least one
	Kinds  []string // which kinds; empty: none
	Public bool     // only items visible to the public at Now
	Now    time.Time
	Offset int
	Limit  int
}

// SearchHit is one ranked result.
type SearchHit struct {
	Kind     string
	ItemID   int64
	Slug     string
	Title    string
	Body     string
	SortTime time.Time
	InTitle  bool
}

// Search returns the items matching every term as a word prefix, ranked: items whose title
// holds every term first, then newer before older. It runs two queries (count and page),
// identical in meaning on both databases.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int64, error) {
	db := s.db.WithContext(ctx)
	match, matchArgs := s.matchClause(q.Terms)
	where := []string{match, "si.kind IN ?"}
	args := append(matchArgs, q.Kinds)
	if q.Public {
		now := q.Now.UTC()
		where = append(where, "si.public = ?", "(si.public_from IS NULL OR si.public_from <= ?)", "(si.public_until IS NULL OR si.public_until > ?)")
		args = append(args, true, now, now)
	}
	from := "search_index si"
	if s.Dialect() == SQLite {
		from = "search_index si JOIN search_fts ON search_fts.rowid = si.id"
	}
	cond := strings.Join(where, " AND ")

	var total int64
	if err := db.Raw("SELECT COUNT(*) FROM "+from+" WHERE "+cond, args...).Scan(&total).Error; err != nil {
		return nil, 0, err
	}
	if total == 0 || q.Offset >= int(total) {
		return []SearchHit{}, total, nil
	}
	inTitle, titleArgs := titleClause(q.Terms)
	sql := "SELECT si.kind, si.item_id, si.slug, si.title, si.body, si.sort_time, " + inTitle + " AS in_title" +
		" FROM " + from + " WHERE " + cond +
		" ORDER BY in_title DESC, si.sort_time DESC, si.kind, si.item_id DESC LIMIT ? OFFSET ?"
	all := append(append(titleArgs, args...), q.Limit, q.Offset)
	var hits []SearchHit
	if err := db.Raw(sql, all...).Scan(&hits).Error; err != nil {
		return nil, 0, err
	}
	return hits, total, nil
}

// SearchMatchIDs is a subquery of the ids of items of one kind matching every term, for the
// q filter of lists: WHERE id IN (?).
func (s *Store) SearchMatchIDs(kind string, terms []string) *gorm.DB {
	match, args := s.matchClause(terms)
	from := "search_index si"
	if s.Dialect() == SQLite {
		from = "search_index si JOIN search_fts ON search_fts.rowid = si.id"
	}
	return s.db.Raw("SELECT si.item_id FROM "+from+" WHERE si.kind = ? AND "+match, append([]any{kind}, args...)...)
}

// matchClause is the indexed full-text condition: every term as a word prefix.
func (s *Store) matchClause(terms []string) (string, []any) {
	if s.Dialect() == Postgres {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "':*"
		}
		return "si.tsv @@ to_tsquery('simple', ?)", []any{strings.Join(parts, " & ")}
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return "search_fts MATCH ?", []any{strings.Join(parts, " AND ")}
}

// titleClause is true when the title holds every term as a word prefix: the first rank tier.
func titleClause(terms []string) (string, []any) {
	conds := make([]string, len(terms))
	args := make([]any, len(terms))
	for i, t := range terms {
		conds[i] = `(' ' || si.title_folded) LIKE ? ESCAPE '\'`
		args[i] = "% " + likeEscape(t) + "%"
	}
	return "(CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END)", args
}

// Reindex writes an item's search entry on its own, outside any other write (for re-indexing
// tools and tests; writes of items index themselves in their own transaction).
func (s *Store) Reindex(ctx context.Context, e SearchEntry) error {
	return indexSearch(s.db.WithContext(ctx), e)
}
