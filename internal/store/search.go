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

// MaxSearchResults caps how many matches a search counts and pages through. Counting every
// match of a common word costs as much as reading them all; like the big search APIs, toasoan
// stops counting here and asks for a more precise query instead.
const MaxSearchResults = 1000

// RankedSearchResults is how many of the newest matches Search scores for relevance (with the
// exact titles among the matches, whatever their age). Scoring reads each candidate's text, so
// it is bounded: past them, results go on newest first.
const RankedSearchResults = 200

// RecencyHalfLife is the age at which the recency boost of Search's score has halved.
const RecencyHalfLife = 30 * 24 * time.Hour

// Search returns the items matching the query (search.Query.MatchesFolded over the title and
// the body: whole words, the last also as a word's start, phrases adjacent within one field,
// abbreviations in any of their forms), ranked. The RankedSearchResults newest matches, and
// those whose folded title is exactly the query as typed (search.Query.Typed), come first, by
//
//	score = (relevance / top relevance + title) × (1 + 1 / (1 + age / RecencyHalfLife)) / 2
//
// where relevance is the engine's: PostgreSQL's ts_rank_cd over the title's words (weight A,
// 1.0) and the body's (C, 0.2), length-normalised (normalisation 1), or SQLite's FTS5 bm25,
// negated, the title weighing 5 and the body 1; top is the highest among the candidates; title
// is 1 when the title alone matches the query, else 0; age is how long before q.Now the item was
// published (never negative). So relevance counts fully today, ¾ at 30 days, towards ½ when old.
// Exact titles come first of all, however old; equal scores go newer first, then by kind and
// newer id. The other matches follow, newest first; the total counts up to MaxSearchResults.
// The matches are identical on both databases; the engines' relevance differs, so the order of
// the ranked ones may too.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, int64, error) {
	m := s.searchMatches(ctx, q)
	count, err := m.count()
	if err != nil {
		return nil, 0, err
	}
	dense := count == MaxSearchResults
	var ranked []searchCandidate
	if count > 0 {
		exact, err := m.exactTitles()
		if err != nil {
			return nil, 0, err
		}
		if ranked, err = m.candidates(dense, exact); err != nil {
			return nil, 0, err
		}
		for i, c := range ranked {
			ranked[i].Exact = slices.Contains(exact, c.ID)
			ranked[i].InTitle = q.Query.MatchesFolded(c.TitleFolded)
		}
	}
	// The tail is the matches that were not candidates, newest first: the non-exact ones past
	// those among the newest candidates.
	tailSkip := 0
	for _, c := range ranked {
		if c.Newest && !c.Exact {
			tailSkip++
		}
	}
	rankCandidates(ranked, q.Now)
	total := max(count, len(ranked))
	end := min(q.Offset+q.Limit, total)
	hits := []SearchHit{}
	if q.Offset < len(ranked) {
		page, err := s.searchHitsOf(ctx, ranked[q.Offset:min(end, len(ranked))])
		if err != nil {
			return nil, 0, err
		}
		hits = append(hits, page...)
	}
	if end > len(ranked) {
		from := max(q.Offset-len(ranked), 0)
		var page []SearchHit
		err := m.ordered(dense).Where("si.title_folded <> ?", q.Query.Typed()).
			Select("si.kind, si.item_id, si.slug, si.title, si.body, si.sort_time").
			Order("si.sort_time DESC, si.kind, si.item_id DESC").
			Offset(tailSkip + from).Limit(end - len(ranked) - from).Scan(&page).Error
		if err != nil {
			return nil, 0, err
		}
		hits = append(hits, page...)
	}
	return hits, int64(total), nil
}

// rankCandidates sorts the candidates by Search's order.
func rankCandidates(cands []searchCandidate, now time.Time) {
	top := 0.0
	for _, c := range cands {
		top = max(top, c.Relevance)
	}
	for i, c := range cands {
		cands[i].score = blendScore(c.Relevance, top, c.InTitle, now.Sub(c.SortTime))
	}
	slices.SortFunc(cands, func(a, b searchCandidate) int {
		return cmp.Or(compareTrueFirst(a.Exact, b.Exact), cmp.Compare(b.score, a.score),
			b.SortTime.Compare(a.SortTime), cmp.Compare(a.Kind, b.Kind), cmp.Compare(b.ItemID, a.ItemID))
	})
}

// blendScore is Search's score of an item of the given relevance (of the candidates', top the
// highest), whose title matches the query or not, and of the given age.
func blendScore(relevance, top float64, inTitle bool, age time.Duration) float64 {
	score := 0.0
	if top > 0 {
		score = relevance / top
	}
	if inTitle {
		score++
	}
	return score * (1 + 1/(1+float64(max(age, 0))/float64(RecencyHalfLife))) / 2
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

// searchHitsOf reads the entries of candidates, in their order.
func (s *Store) searchHitsOf(ctx context.Context, cands []searchCandidate) ([]SearchHit, error) {
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	var rows []searchRow
	if err := s.db.WithContext(ctx).Select("id, kind, item_id, slug, title, body, sort_time").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]searchRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	hits := make([]SearchHit, 0, len(cands))
	for _, c := range cands {
		if r, ok := byID[c.ID]; ok { // an entry removed since the candidates were read is left out
			hits = append(hits, SearchHit{Kind: r.Kind, ItemID: r.ItemID, Slug: r.Slug, Title: r.Title, Body: r.Body, SortTime: r.SortTime})
		}
	}
	return hits, nil
}

// searchCandidate is a match to rank: its entry, whether it is among the newest matches, its
// engine's relevance (higher is better), and whether its title is exactly the query or matches
// it (search.Query.MatchesFolded: the definition both engines implement, so neither scans its
// index again to tell).
type searchCandidate struct {
	ID          int64
	Kind        string
	ItemID      int64
	SortTime    time.Time
	TitleFolded string
	Newest      bool
	Relevance   float64
	Exact       bool `gorm:"-"`
	InTitle     bool `gorm:"-"`
	score       float64
}

// searchMatchSet builds the queries of one search's visible matches (table alias si).
type searchMatchSet struct {
	count       func() (int, error)       // the matches, up to MaxSearchResults
	ordered     func(dense bool) *gorm.DB // to read in recency order; dense: at least MaxSearchResults matches
	exactTitles func() ([]int64, error)   // the matches whose folded title is the query as typed
	candidates  func(dense bool, exact []int64) ([]searchCandidate, error)
}

// searchMatches are the queries of the visible matches of q's kinds. The candidates are read,
// with their relevance, in one statement: the newest in index order with a LIMIT, so a common
// word costs little more than a rare one, and only they are scored.
func (s *Store) searchMatches(ctx context.Context, q SearchQuery) searchMatchSet {
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
	newestOf := func(db *gorm.DB) *gorm.DB {
		return db.Select("si.id").Order("si.sort_time DESC, si.kind, si.item_id DESC").Limit(RankedSearchResults)
	}
	// A title that is the query as typed matches it unless an alternative of the query needs the
	// body, so the few visible entries of that title (an index look-up, migration 0126) are
	// checked in Go.
	exactTitles := func() ([]int64, error) {
		var rows []searchRow
		err := visible(db.Table("search_index si")).Select("si.id, si.title_folded, si.body_folded").
			Where("si.title_folded = ?", q.Query.Typed()).Limit(RankedSearchResults).Scan(&rows).Error
		var ids []int64
		for _, r := range rows {
			if q.Query.MatchesFolded(r.TitleFolded, r.BodyFolded) {
				ids = append(ids, r.ID)
			}
		}
		return ids, err
	}
	if s.Dialect() == Postgres {
		tsq := tsquery(q.Query, true)
		all := func() *gorm.DB {
			return visible(db.Table("search_index si")).Where("si.tsv @@ to_tsquery('simple', ?)", tsq)
		}
		// With a LIMIT, the planner prefers reading the table (or the recency index) and testing
		// each row's tsv, costing the test as one operator call: it is a de-TOAST of kilobytes,
		// and a scan for matches that are few reads the whole table (0.2–0.6 s at 100,000
		// articles, where the GIN index finds them in a millisecond). A MATERIALIZED CTE is
		// planned for all its rows (the GIN index, unless nearly every row matches) and read only
		// as far as the LIMIT above it asks. So: the count reads matches that way; the matches in
		// recency order, when there are fewer than MaxSearchResults (not dense), are all read that
		// way and sorted; when dense, the recency index finds enough of them in its first rows.
		matches := func(dense bool) *gorm.DB {
			if dense {
				return all()
			}
			return db.Table("(?) si", db.Raw("WITH m AS MATERIALIZED (?) SELECT * FROM m",
				all().Select("si.id, si.kind, si.item_id, si.slug, si.title, si.body, si.sort_time, si.title_folded")))
		}
		count := func() (int, error) {
			var n int
			err := db.Raw("WITH m AS MATERIALIZED (?) SELECT COUNT(*) FROM (SELECT 1 FROM m LIMIT ?) capped",
				all().Select("1"), MaxSearchResults).Scan(&n).Error
			return n, err
		}
		return searchMatchSet{count: count, ordered: matches, exactTitles: exactTitles,
			candidates: func(dense bool, exact []int64) ([]searchCandidate, error) {
				var cands []searchCandidate
				err := db.Raw(`WITH recent AS (?)
					SELECT si.id, si.kind, si.item_id, si.sort_time, si.title_folded, si.id IN (SELECT id FROM recent) AS newest,
						ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', si.tsv, to_tsquery('simple', ?), 1) AS relevance
					FROM search_index si
					WHERE si.id IN (SELECT id FROM recent UNION SELECT id FROM search_index WHERE id IN ?)`, newestOf(matches(dense)), tsq, orNone(exact)).Scan(&cands).Error
				return cands, err
			}}
	}
	// SQLite's planner needs telling. FTS5 yields matches lazily, so counting up to the cap is
	// cheap when the FTS table drives the join (CROSS JOIN keeps that order). When the query has
	// at least that many matches (dense), they are read newest first from the recency index,
	// checking each row against the matches (found once), so a page stops early instead of
	// sorting every match.
	expr := ftsQuery(q.Query)
	all := func() *gorm.DB {
		return visible(db.Table("search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid")).Where("search_fts MATCH ?", expr)
	}
	ordered := func(dense bool) *gorm.DB {
		if !dense {
			return all()
		}
		return visible(db.Table("search_index si INDEXED BY search_index_recent")).
			Where("si.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", expr)
	}
	count := func() (int, error) { return cappedCount(all(), MaxSearchResults) }
	return searchMatchSet{count: count, ordered: ordered, exactTitles: exactTitles, candidates: func(dense bool, exact []int64) ([]searchCandidate, error) {
		// bm25 is scored in one pass over the matches, for the candidates only: "+" keeps the
		// rowid test from becoming a constraint FTS5 would be asked once per candidate
		// (restarting the query, and bm25's statistics, each time).
		var cands []searchCandidate
		err := db.Raw(`WITH recent AS (?)
			SELECT si.id, si.kind, si.item_id, si.sort_time, si.title_folded, si.id IN (SELECT id FROM recent) AS newest,
				-bm25(search_fts, 5.0, 1.0) AS relevance
			FROM search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid
			WHERE search_fts MATCH ? AND +search_fts.rowid IN (SELECT id FROM recent UNION SELECT id FROM search_index WHERE id IN ?)`,
			newestOf(ordered(dense)), expr, orNone(exact)).Scan(&cands).Error
		return cands, err
	}}
}

// orNone is ids for an IN list, which may not be empty: an id no entry has if there are none.
func orNone(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
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
