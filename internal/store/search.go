package store

import (
	"context"
	"regexp"
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
	row := searchRowOf(e)
	return tx.Clauses(reindexSearch).Create(&row).Error
}

// reindexSearch makes the insert of an item's entry replace the one it has.
var reindexSearch = clause.OnConflict{
	Columns: []clause.Column{{Name: "kind"}, {Name: "item_id"}},
	DoUpdates: clause.AssignmentColumns([]string{"slug", "title", "body", "title_folded", "body_folded",
		"public", "public_from", "public_until", "sort_time"}),
}

// searchRowOf is the row of an entry: its text as given and folded (search.Fold).
func searchRowOf(e SearchEntry) searchRow {
	return searchRow{
		Kind: e.Kind, ItemID: e.ItemID, Slug: e.Slug, Title: e.Title, Body: e.Body,
		TitleFolded: search.Fold(e.Title), BodyFolded: search.Fold(e.Body),
		Public: e.Public, PublicFrom: e.PublicFrom, PublicUntil: e.PublicUntil, SortTime: e.SortTime.UTC(),
	}
}

// unindexSearch removes an item's entry, by hand: the entry names its item by kind and id, which
// no foreign key can reference.
func unindexSearch(tx *gorm.DB, kind string, itemID int64) error {
	return tx.Where("kind = ? AND item_id = ?", kind, itemID).Delete(&searchRow{}).Error
}

// SearchQuery is a validated search request.
type SearchQuery struct {
	Query  search.Query // from ParseSearch (or search.ParseQuery): at least one group
	Kinds  []string     // which kinds; empty: none
	Public bool         // only items visible to the public at Now
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

// MaxSearchResults caps how many matches a search counts and pages through. Counting every
// match of a common word costs as much as reading them all; like the big search APIs, toasoan
// stops counting here and asks for a more precise query instead.
const MaxSearchResults = 1000

// Search returns the items matching the query (search.Query.MatchesFolded over the title and
// the body: whole words, the last also as a word's start, phrases adjacent within one field,
// abbreviations in any of their forms), ranked: items whose title matches first, then the
// rest, each tier newer before older. Each tier is read in index order with a LIMIT and counted up to
// MaxSearchResults, so a common word costs little more than a rare one. The meaning is
// identical on both databases.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int64, error) {
	titleTier, restTier := s.searchTiers(ctx, q)
	titleCount, err := cappedCount(titleTier(false), MaxSearchResults)
	if err != nil {
		return nil, 0, err
	}
	restLimit := MaxSearchResults - titleCount
	restCount, err := cappedCount(restTier(false), restLimit)
	if err != nil {
		return nil, 0, err
	}
	total := titleCount + restCount
	end := min(q.Offset+q.Limit, total)
	hits := []SearchHit{}
	if q.Offset < titleCount {
		page, err := searchPage(titleTier(titleCount == MaxSearchResults), true, q.Offset, min(end, titleCount)-q.Offset)
		if err != nil {
			return nil, 0, err
		}
		hits = append(hits, page...)
	}
	if end > titleCount {
		from := max(q.Offset-titleCount, 0)
		page, err := searchPage(restTier(restCount == restLimit), false, from, end-titleCount-from)
		if err != nil {
			return nil, 0, err
		}
		hits = append(hits, page...)
	}
	return hits, int64(total), nil
}

// searchTier builds the query of one rank tier. dense says the tier has at least
// MaxSearchResults matches: reading the newest rows in index order then finds a page sooner
// than sorting every match.
type searchTier func(dense bool) *gorm.DB

// searchTiers are the visible items of the query's kinds whose title matches, and those that
// match only in the body.
func (s *Store) searchTiers(ctx context.Context, q SearchQuery) (title, rest searchTier) {
	visible := func(db *gorm.DB) *gorm.DB {
		db = db.Where("si.kind IN ?", q.Kinds)
		if q.Public {
			now := q.Now.UTC()
			db = db.Where("si.public = ?", true).
				Where("si.public_from IS NULL OR si.public_from <= ?", now).
				Where("si.public_until IS NULL OR si.public_until > ?", now)
		}
		return db
	}
	db := s.db.WithContext(ctx)
	if s.Dialect() == Postgres {
		// PostgreSQL's planner chooses between the GIN index and the recency index itself.
		tsq, titleTsq := tsquery(q.Query, true), tsquery(q.Query, false)
		title = func(bool) *gorm.DB {
			return visible(db.Table("search_index si")).Where("si.title_tsv @@ to_tsquery('simple', ?)", titleTsq)
		}
		rest = func(bool) *gorm.DB {
			return visible(db.Table("search_index si")).
				Where("si.tsv @@ to_tsquery('simple', ?) AND NOT si.title_tsv @@ to_tsquery('simple', ?)", tsq, titleTsq)
		}
		return title, rest
	}
	// SQLite's planner needs telling. FTS5 yields matches lazily, so counting up to a cap is cheap
	// when the FTS table drives the join (CROSS JOIN keeps that order). A page of a dense tier is
	// read newest first from the recency index, checking each row against the matches (found
	// once), so it stops after a page instead of sorting every match.
	tier := func(match string) searchTier {
		return func(dense bool) *gorm.DB {
			if dense {
				return visible(db.Table("search_index si INDEXED BY search_index_recent")).
					Where("si.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", match)
			}
			return visible(db.Table("search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid")).
				Where("search_fts MATCH ?", match)
		}
	}
	expr := ftsQuery(q.Query)
	return tier("title_folded : (" + expr + ")"), tier("(" + expr + ") NOT (title_folded : (" + expr + "))")
}

// cappedCount counts the rows of q, stopping at limit.
func cappedCount(q *gorm.DB, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int
	err := q.Session(&gorm.Session{}).Raw("SELECT COUNT(*) FROM (?) capped",
		q.Session(&gorm.Session{}).Select("1").Limit(limit)).Scan(&n).Error
	return n, err
}

func searchPage(q *gorm.DB, inTitle bool, offset, limit int) ([]SearchHit, error) {
	if limit <= 0 {
		return nil, nil
	}
	var hits []SearchHit
	err := q.Session(&gorm.Session{}).
		Select("si.kind, si.item_id, si.slug, si.title, si.body, si.sort_time").
		Order("si.sort_time DESC, si.kind, si.item_id DESC").
		Offset(offset).Limit(limit).Scan(&hits).Error
	for i := range hits {
		hits[i].InTitle = inTitle
	}
	return hits, err
}

// SearchMatchIDs is a subquery of the ids of items of one kind matching the query, for the q
// filter of lists: WHERE id IN (?).
func (s *Store) SearchMatchIDs(kind string, q search.Query) *gorm.DB {
	if s.Dialect() == Postgres {
		return s.db.Raw("SELECT item_id FROM search_index WHERE kind = ? AND tsv @@ to_tsquery('simple', ?)", kind, tsquery(q, true))
	}
	return s.db.Raw("SELECT item_id FROM search_index WHERE kind = ? AND id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)",
		kind, ftsQuery(q))
}

// matchSearch narrows q (of items of kind, whose id is column) to those that search finds for
// text; a text without words matches nothing. Failing to read the abbreviations fails q.
func (s *Store) matchSearch(ctx context.Context, q *gorm.DB, column, kind, text string) *gorm.DB {
	query, err := s.ParseSearch(ctx, text)
	if err != nil {
		_ = q.AddError(err)
		return q
	}
	if query.Empty() {
		return q.Where("1 = 0")
	}
	return q.Where(column+" IN (?)", s.SearchMatchIDs(kind, query))
}

// tsquery is PostgreSQL's form of the query: groups ANDed, alternatives ORed, words ANDed,
// phrases with <->, a start with :*. Each word is quoted, so no character of the user's text is
// query syntax. Over tsv (weighted), which weighs the title's words A and the body's C, a
// phrase is looked for in the title or in the body, so it never spans the two; title_tsv holds
// the title alone.
func tsquery(q search.Query, weighted bool) string {
	groups := make([]string, len(q.Groups))
	for i, g := range q.Groups {
		alts := make([]string, len(g))
		for j, a := range g {
			switch {
			case !a.Phrase:
				words := make([]string, len(a.Words))
				for k, w := range a.Words {
					words[k] = tsWord(w, a.Prefix && k == len(a.Words)-1, "")
				}
				alts[j] = strings.Join(words, " & ")
			case weighted:
				alts[j] = "(" + tsPhrase(a, "A") + ") | (" + tsPhrase(a, "C") + ")"
			default:
				alts[j] = tsPhrase(a, "")
			}
		}
		groups[i] = "(" + strings.Join(alts, ") | (") + ")"
	}
	return strings.Join(groups, " & ")
}

func tsPhrase(a search.Alt, weight string) string {
	words := make([]string, len(a.Words))
	for k, w := range a.Words {
		words[k] = tsWord(w, a.Prefix && k == len(a.Words)-1, weight)
	}
	return strings.Join(words, " <-> ")
}

// tsWord is one folded word, quoted, as a prefix if asked, of the weight given ("": any). A
// word the parser splits in two (sciFloatHead) is its two pieces, adjacent.
func tsWord(w string, prefix bool, weight string) string {
	pieces := []string{w}
	if m := sciFloatHead.FindStringSubmatch(w); m != nil {
		pieces = m[1:]
	}
	for j, p := range pieces {
		q := "'" + strings.ReplaceAll(strings.ReplaceAll(p, `\`, `\\`), "'", "''") + "'"
		switch {
		case prefix && j == len(pieces)-1:
			q += ":*" + weight
		case weight != "":
			q += ":" + weight
		}
		pieces[j] = q
	}
	return strings.Join(pieces, " <-> ")
}

// sciFloatHead is a folded word that PostgreSQL's parser splits in two: its start reads as a
// number in scientific notation ("96e9" of the tracking code "96e9gwcdjtm9"). A quoted term that
// splits becomes a phrase, which the stripped tsvectors of m0040 never matched; the two pieces
// are queried as explicit adjacent words. Folded text holds only letters, digits and spaces, and
// this is the only word the parser splits in such text (checked against ts_parse on 22,000
// random words).
var sciFloatHead = regexp.MustCompile(`^([0-9]+e[0-9]+)([^0-9].*)$`)

// ftsQuery is the same for SQLite's FTS5, whose phrases ("a b") are within one column.
func ftsQuery(q search.Query) string {
	groups := make([]string, len(q.Groups))
	for i, g := range q.Groups {
		alts := make([]string, len(g))
		for j, a := range g {
			if a.Phrase {
				alts[j] = ftsString(strings.Join(a.Words, " "), a.Prefix)
				continue
			}
			words := make([]string, len(a.Words))
			for k, w := range a.Words {
				words[k] = ftsString(w, a.Prefix && k == len(a.Words)-1)
			}
			alts[j] = strings.Join(words, " AND ")
		}
		groups[i] = "(" + strings.Join(alts, ") OR (") + ")"
	}
	return strings.Join(groups, " AND ")
}

func ftsString(s string, prefix bool) string {
	s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	if prefix {
		s += "*"
	}
	return s
}

// Reindex writes an item's search entry on its own, outside any other write (for re-indexing
// tools and tests; writes of items index themselves in their own transaction).
func (s *Store) Reindex(ctx context.Context, e SearchEntry) error {
	return indexSearch(s.db.WithContext(ctx), e)
}
