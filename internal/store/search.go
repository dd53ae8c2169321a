package store

import (
	"cmp"
	"context"
	"regexp"
	"slices"
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
}

// MaxSearchResults caps how many matches a search counts, ranks and pages through. Counting
// and scoring every match of a common word costs as much as reading them all; like the big
// search APIs, toasoan stops here and asks for a more precise query instead.
const MaxSearchResults = 1000

// RecencyHalfLife is the age at which an item's relevance counts half (see Search).
const RecencyHalfLife = 30 * 24 * time.Hour

// Search returns the items matching the query (search.Query.MatchesFolded over the title and
// the body: whole words, the last also as a word's start, phrases adjacent within one field,
// abbreviations in any of their forms), ranked by relevance blended with recency:
//
//	score = relevance × 1 / (1 + age / RecencyHalfLife)
//
// where relevance is PostgreSQL's ts_rank_cd over the title's words (weight A, 1.0) and the
// body's (C, 0.2), length-normalised (ts_rank_cd's normalisation 1), or SQLite's FTS5 bm25
// (negated) with the title weighing 5 and the body 1, and age is how long before q.Now the item
// was published (never negative). Items whose folded title is exactly the query as typed
// (search.Query.Typed) come first, however old; equal scores go newer first, then by kind and
// newer id. The candidates are bounded: the MaxSearchResults newest matches, with the exact
// titles among them whatever their age; the total counts them. The matches are identical on both
// databases; the engines' relevance differs, so orders among non-exact hits may too.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int64, error) {
	cands, err := s.searchCandidates(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	// The exact titles are kept first, then the newest matches, up to the cap.
	slices.SortFunc(cands, func(a, b searchCandidate) int {
		return cmp.Or(compareTrueFirst(a.Exact, b.Exact), compareNewest(a, b))
	})
	cands = cands[:min(len(cands), MaxSearchResults)]
	for i := range cands {
		cands[i].score = blendScore(cands[i].Relevance, q.Now.Sub(cands[i].SortTime))
	}
	slices.SortFunc(cands, func(a, b searchCandidate) int {
		return cmp.Or(compareTrueFirst(a.Exact, b.Exact), cmp.Compare(b.score, a.score), compareNewest(a, b))
	})
	total := len(cands)
	page := cands[min(q.Offset, total):min(q.Offset+q.Limit, total)]
	if len(page) == 0 {
		return []SearchHit{}, int64(total), nil
	}
	ids := make([]int64, len(page))
	for i, c := range page {
		ids[i] = c.ID
	}
	var rows []searchRow
	if err := s.db.WithContext(ctx).Select("id, kind, item_id, slug, title, body, sort_time").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	byID := make(map[int64]searchRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	hits := make([]SearchHit, 0, len(page))
	for _, c := range page {
		if r, ok := byID[c.ID]; ok { // an entry removed since the candidates were read is left out
			hits = append(hits, SearchHit{Kind: r.Kind, ItemID: r.ItemID, Slug: r.Slug, Title: r.Title, Body: r.Body, SortTime: r.SortTime})
		}
	}
	return hits, int64(total), nil
}

// blendScore is Search's score of an item of the given relevance and age.
func blendScore(relevance float64, age time.Duration) float64 {
	return relevance / (1 + float64(max(age, 0))/float64(RecencyHalfLife))
}

func compareTrueFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// compareNewest is the recency index's order: newer first, then kind, then newer id.
func compareNewest(a, b searchCandidate) int {
	return cmp.Or(b.SortTime.Compare(a.SortTime), cmp.Compare(a.Kind, b.Kind), cmp.Compare(b.ItemID, a.ItemID))
}

// searchCandidate is a match to rank: its entry, whether its title is exactly the query, and
// its engine's relevance (higher is better).
type searchCandidate struct {
	ID        int64
	Kind      string
	ItemID    int64
	SortTime  time.Time
	Exact     bool
	Relevance float64
	score     float64
}

// searchCandidates reads the visible matches of the query's kinds that Search ranks: the
// MaxSearchResults newest, and those whose title is exactly the query, with their relevance,
// in one statement. The newest are read in index order with a LIMIT, so a common word costs
// little more than a rare one, and only the candidates are scored.
func (s *Store) searchCandidates(ctx context.Context, q SearchQuery) ([]searchCandidate, error) {
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
	typed := q.Query.Typed()
	var cands []searchCandidate
	if s.Dialect() == Postgres {
		// PostgreSQL's planner chooses between the GIN index and the recency index itself. An
		// exact title matches the query within the title (title_tsv), which few items do.
		tsq := tsquery(q.Query, true)
		newest := visible(db.Table("search_index si")).Select("si.id").
			Where("si.tsv @@ to_tsquery('simple', ?)", tsq).
			Order("si.sort_time DESC, si.kind, si.item_id DESC").Limit(MaxSearchResults)
		exact := visible(db.Table("search_index si")).Select("si.id").
			Where("si.title_folded = ? AND si.title_tsv @@ to_tsquery('simple', ?)", typed, tsquery(q.Query, false)).
			Limit(MaxSearchResults)
		err := db.Table("search_index si").
			Select("si.id, si.kind, si.item_id, si.sort_time, si.title_folded = ? AS exact, "+
				"ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', si.tsv, to_tsquery('simple', ?), 1) AS relevance", typed, tsq).
			Where("si.id IN (SELECT id FROM (?) n UNION SELECT id FROM (?) e)", newest, exact).
			Scan(&cands).Error
		return cands, err
	}
	// SQLite's planner needs telling. FTS5 yields matches lazily, so counting up to the cap is
	// cheap when the FTS table drives the join (CROSS JOIN keeps that order). When the query has
	// at least that many matches, the newest are read from the recency index, checking each row
	// against the matches (found once), so it stops at the cap instead of sorting every match.
	expr := ftsQuery(q.Query)
	fromMatches := func() *gorm.DB {
		return visible(db.Table("search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid")).Where("search_fts MATCH ?", expr)
	}
	n, err := cappedCount(fromMatches(), MaxSearchResults)
	if err != nil {
		return nil, err
	}
	newest := fromMatches()
	if n == MaxSearchResults {
		newest = visible(db.Table("search_index si INDEXED BY search_index_recent")).
			Where("si.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", expr)
	}
	newest = newest.Select("si.id").Order("si.sort_time DESC, si.kind, si.item_id DESC").Limit(MaxSearchResults)
	exact := visible(db.Table("search_index si INDEXED BY search_index_title_exact")).Select("si.id").
		Where("si.title_folded = ? AND si.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", typed, "title_folded : ("+expr+")").
		Limit(MaxSearchResults)
	// bm25 is scored in one pass over the matches, for the candidates only: "+" keeps the rowid
	// test from becoming a constraint FTS5 would be asked once per candidate (restarting the
	// query, and bm25's statistics, each time).
	err = db.Table("search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid").
		Select("si.id, si.kind, si.item_id, si.sort_time, si.title_folded = ? AS exact, -bm25(search_fts, 5.0, 1.0) AS relevance", typed).
		Where("search_fts MATCH ?", expr).
		Where("+search_fts.rowid IN (SELECT id FROM (?) n UNION SELECT id FROM (?) e)", newest, exact).
		Scan(&cands).Error
	return cands, err
}

// cappedCount counts the rows of q, stopping at limit.
func cappedCount(q *gorm.DB, limit int) (int, error) {
	var n int
	err := q.Session(&gorm.Session{}).Raw("SELECT COUNT(*) FROM (?) capped",
		q.Session(&gorm.Session{}).Select("1").Limit(limit)).Scan(&n).Error
	return n, err
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
