package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
)

// "Did you mean": a search that finds fewer than DidYouMeanBelow results is offered the query
// with each word that no visible item holds replaced by the closest word of the vocabulary,
// the folded words of the items the public could see at its last rebuild (search_vocabulary).
// A word of the vocabulary, or one the index holds for an item visible now (new since the
// rebuild), is never corrected. The vocabulary only proposes: a correction is offered only
// when its own search, with the query's visibility at that moment, finds results, so a word
// that only a draft, a scheduled or a withdrawn item holds is never offered, however stale the
// vocabulary, and neither is a correction that finds nothing.
//
// Closest is fewest edits (Damerau–Levenshtein: insertions, deletions, substitutions and
// transpositions of adjacent letters), at most maxEdits of the word's length; among equals the
// word that drops a doubled letter of the typo, then one of the typo's length, then the one
// more items hold, then the first in byte order.
// Candidates are, on both engines, the words of the same length ±2 sharing the first or the
// last letter; PostgreSQL adds the words most similar by trigrams (pg_trgm's index), which
// finds typos in both of those letters too. Both rank them the same way in Go, so they agree
// whenever the closest word shares its first or last letter with the typo.

// DidYouMeanBelow is the number of results under which a search offers a corrected query.
const DidYouMeanBelow = 3

// VocabularyRebuildInterval is how often the server rebuilds the vocabulary from the index
// (and once at start-up): a word new to the site can be corrected to after at most this long.
const VocabularyRebuildInterval = 10 * time.Minute

const (
	// maxVocabularyWord is the longest word (in bytes) the vocabulary keeps: longer ones are
	// codes and URLs, not words a reader mistypes.
	maxVocabularyWord = 40
	// vocabularyTrigramCandidates bounds the words PostgreSQL proposes for one typo.
	vocabularyTrigramCandidates = 200
	// vocabularyTrigramThreshold is the trigram similarity a candidate needs: short words share
	// few trigrams ("nimh" and "ninh" are 0.25 similar), so it is below pg_trgm's default 0.3.
	vocabularyTrigramThreshold = "0.15"
	// vocabularyPrefixCandidates bounds the words of the same first or last letter proposed for
	// one typo (most used first).
	vocabularyPrefixCandidates = 2000
)

type vocabularyRow struct {
	Word     string `gorm:"primaryKey"`
	Head     string
	Tail     string
	Length   int
	DocCount int64
}

func (vocabularyRow) TableName() string { return "search_vocabulary" }

// vocabularyKinds are the kinds public search finds, whose words the vocabulary holds.
var vocabularyKinds = []string{KindArticle, KindDocument, KindAnnouncement}

// RebuildSearchVocabulary replaces the vocabulary with the words of the items visible to the
// public at now, each with the number of items holding it, and returns how many words it has.
// The index is read a batch at a time, so a large site rebuilds in bounded memory (plus the
// vocabulary itself); the replacement is one transaction, which readers never see half done.
func (s *Store) RebuildSearchVocabulary(ctx context.Context, now time.Time) (int, error) {
	type entry struct {
		ID          int64
		TitleFolded string
		BodyFolded  string
	}
	counts := map[string]int64{}
	seen := map[string]bool{}
	const batch = 1000
	db := s.db.WithContext(ctx)
	for after := int64(0); ; {
		var rows []entry
		err := visibleEntries(db.Table("search_index si"), vocabularyKinds, now).
			Select("si.id, si.title_folded, si.body_folded").Where("si.id > ?", after).
			Order("si.id").Limit(batch).Scan(&rows).Error
		if err != nil {
			return 0, err
		}
		for _, r := range rows {
			clear(seen)
			for _, text := range []string{r.TitleFolded, r.BodyFolded} {
				for _, w := range strings.Fields(text) {
					if !seen[w] && vocabularyWord(w) {
						seen[w] = true
						counts[w]++
					}
				}
			}
		}
		if len(rows) < batch {
			break
		}
		after = rows[len(rows)-1].ID
	}
	words := make([]vocabularyRow, 0, len(counts))
	for w, n := range counts {
		first, _ := utf8.DecodeRuneInString(w)
		last, _ := utf8.DecodeLastRuneInString(w)
		words = append(words, vocabularyRow{Word: w, Head: string(first), Tail: string(last),
			Length: utf8.RuneCountInString(w), DocCount: n})
	}
	slices.SortFunc(words, func(a, b vocabularyRow) int { return strings.Compare(a.Word, b.Word) })
	err := db.Transaction(func(tx *gorm.DB) error {
		if s.Dialect() == Postgres {
			// Two processes rebuilding at once take turns, rather than insert the same words.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('search_vocabulary'))`).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`DELETE FROM search_vocabulary`).Error; err != nil {
			return err
		}
		if len(words) == 0 {
			return nil
		}
		return tx.CreateInBatches(&words, 500).Error
	})
	return len(words), err
}

// vocabularyWord says whether a folded word belongs in the vocabulary: two to
// maxVocabularyWord bytes of letters (numbers and codes are not corrected).
func vocabularyWord(w string) bool {
	if len(w) < 2 || len(w) > maxVocabularyWord {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// visibleEntries keeps the entries of the kinds that the public sees at now (as Search does for
// a public query).
func visibleEntries(db *gorm.DB, kinds []string, now time.Time) *gorm.DB {
	now = now.UTC()
	return db.Where("si.kind IN ?", kinds).Where("si.public = ?", true).
		Where("si.public_from IS NULL OR si.public_from <= ?", now).
		Where("si.public_until IS NULL OR si.public_until > ?", now)
}

// Correction is a corrected query and its results: Terms are its words and quoted phrases as
// a reader would type them again, Query the query they make.
type Correction struct {
	Terms []string
	Query search.Query
	Hits  []SearchHit
	Total int64
}

// DidYouMean corrects the words of q that no item visible to q holds (the last, as in Search,
// also as a word's start) to the closest words of the vocabulary, and searches the correction
// with q's visibility, kinds and page. Only single words are corrected: a phrase, and an
// abbreviation with its long forms, are kept as typed. ok is false when no word needed or had a
// correction, or the correction finds nothing. Words of one or two letters, and those with
// digits, are kept.
func (s *Store) DidYouMean(ctx context.Context, q SearchQuery) (c Correction, ok bool, err error) {
	var out search.Query
	var terms []string
	changed := false
	seen := map[string]bool{}
	for _, g := range q.Query.Groups {
		if len(g) != 1 || g[0].Phrase || len(g[0].Words) != 1 {
			out.Groups = append(out.Groups, g)
			words := strings.Join(g[0].Words, " ")
			if g[0].Phrase {
				words = `"` + words + `"`
			}
			terms = append(terms, words)
			continue
		}
		term, prefix := g[0].Words[0], g[0].Prefix
		word := term
		if maxEdits(term) > 0 {
			known, err := s.inVocabulary(ctx, term, prefix)
			if err == nil && !known {
				known, err = s.holdsWord(ctx, q, term, prefix)
			}
			if err != nil {
				return c, false, err
			}
			if !known {
				candidates, err := s.vocabularyCandidates(ctx, term)
				if err != nil {
					return c, false, err
				}
				if ranked := rankCorrections(term, candidates); len(ranked) > 0 {
					word, changed = ranked[0].Word, true
				}
			}
		}
		if seen[word] {
			continue // "ninh nimh" is "ninh" once corrected
		}
		seen[word] = true
		out.Groups = append(out.Groups, search.Group{{Words: []string{word}, Prefix: prefix && word == term}})
		terms = append(terms, word)
	}
	if !changed {
		return c, false, nil
	}
	q.Query = out
	hits, total, err := s.Search(ctx, q)
	if err != nil || total == 0 {
		return c, false, err
	}
	return Correction{Terms: terms, Query: out, Hits: hits, Total: total}, true, nil
}

// inVocabulary says whether the vocabulary has term as a word (or, with prefix, a word
// starting with it). Folded words hold no LIKE or GLOB syntax.
func (s *Store) inVocabulary(ctx context.Context, term string, prefix bool) (bool, error) {
	db := s.db.WithContext(ctx).Table("search_vocabulary").Select("1").Limit(1)
	switch {
	case !prefix:
		db = db.Where("word = ?", term)
	case s.Dialect() == Postgres:
		db = db.Where("word LIKE ?", term+"%") // the column's collation is C: a range of its key
	default:
		db = db.Where("word GLOB ?", term+"*")
	}
	var found []int
	err := db.Scan(&found).Error
	return len(found) > 0, err
}

// maxEdits is how many edits a correction of term may make: none for one or two letters or a
// term with anything but letters, one up to five letters, two from six.
func maxEdits(term string) int {
	n := utf8.RuneCountInString(term)
	switch {
	case n <= 2 || !vocabularyWord(term):
		return 0
	case n <= 5:
		return 1
	default:
		return 2
	}
}

// rankCorrections keeps the candidates within maxEdits of term, closest first, then one that
// drops a doubled letter, then those of its length, then the word more items hold, then byte
// order.
func rankCorrections(term string, candidates []vocabularyRow) []vocabularyRow {
	type ranked struct {
		vocabularyRow
		edits int
	}
	limit := maxEdits(term)
	var rs []ranked
	for _, c := range candidates {
		if c.Word == term {
			continue
		}
		if d := editDistance(term, c.Word); d <= limit {
			rs = append(rs, ranked{c, d})
		}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.edits, b.edits), cmp.Compare(slipRank(term, a.Word), slipRank(term, b.Word)),
			cmp.Compare(lengthGap(term, a.Word), lengthGap(term, b.Word)),
			cmp.Compare(b.DocCount, a.DocCount), strings.Compare(a.Word, b.Word))
	})
	out := make([]vocabularyRow, len(rs))
	for i, r := range rs {
		out[i] = r.vocabularyRow
	}
	return out
}

// slipRank is 0 when word is term with one of its doubled letters once ("dann" is rather "dan"
// than "dang"), 1 otherwise.
func slipRank(term, word string) int {
	for i := 1; i < len(term); i++ {
		if term[i] == term[i-1] && term[:i]+term[i+1:] == word {
			return 0
		}
	}
	return 1
}

// lengthGap is how many letters a and b differ in length: among corrections as close, one of the
// typo's length comes first (a slip of a key is likelier than a dropped letter, and "nan" is
// rather "nam" than "an").
func lengthGap(a, b string) int {
	d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b)
	return max(d, -d)
}

// editDistance is the optimal string alignment distance of a and b, in runes: the
// Damerau–Levenshtein distance where no substring is edited twice.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// vocabularyCandidates proposes words of the vocabulary that term may be a typo of: the most
// used words of its length ±2 that share its first or its last letter and, on PostgreSQL, the
// words most similar to it by trigrams as well, which find typos in both of those letters.
func (s *Store) vocabularyCandidates(ctx context.Context, term string) ([]vocabularyRow, error) {
	first, _ := utf8.DecodeRuneInString(term)
	last, _ := utf8.DecodeLastRuneInString(term)
	n := utf8.RuneCountInString(term)
	var out []vocabularyRow
	db := s.db.WithContext(ctx)
	err := db.Raw(`SELECT word, doc_count FROM search_vocabulary
		WHERE (head = ? OR tail = ?) AND length BETWEEN ? AND ?
		ORDER BY doc_count DESC, word LIMIT ?`,
		string(first), string(last), n-2, n+2, vocabularyPrefixCandidates).Scan(&out).Error
	if err != nil || s.Dialect() != Postgres {
		return out, err
	}
	var similar []vocabularyRow
	// The threshold of % is a setting: SET LOCAL keeps it to this transaction.
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL pg_trgm.similarity_threshold = ` + vocabularyTrigramThreshold).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT word, doc_count FROM search_vocabulary WHERE word % ?
			ORDER BY similarity(word, ?) DESC, doc_count DESC, word LIMIT ?`,
			term, term, vocabularyTrigramCandidates).Scan(&similar).Error
	})
	return append(out, similar...), err // a word in both is ranked twice, to the same place
}

// holdsWord says whether an item visible to q holds term as a word (or, with prefix, a word
// starting with it), through the search index.
func (s *Store) holdsWord(ctx context.Context, q SearchQuery, term string, prefix bool) (bool, error) {
	db := s.db.WithContext(ctx)
	var found []int
	var err error
	if s.Dialect() == Postgres {
		word := "'" + strings.ReplaceAll(strings.ReplaceAll(term, `\`, `\\`), "'", "''") + "'"
		if prefix {
			word += ":*"
		}
		// The word is not in the vocabulary, so rare: a MATERIALIZED CTE is planned for all its
		// rows, on the GIN index, where LIMIT 1 would have the planner scan the table for a first
		// match that is not there (0.6 s at 100,000 articles; OFFSET 0 did not stop it).
		matches := db.Table("search_index si").Select("si.kind, si.public, si.public_from, si.public_until").
			Where("si.tsv @@ to_tsquery('simple', ?)", word)
		err = visibleTo(db.Table("(?) si", db.Raw("WITH m AS MATERIALIZED (?) SELECT * FROM m", matches)), q).
			Select("1").Limit(1).Scan(&found).Error
	} else {
		match := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
		if prefix {
			match += "*"
		}
		err = visibleTo(db.Table("search_fts CROSS JOIN search_index si ON si.id = search_fts.rowid"), q).Select("1").
			Where("search_fts MATCH ?", match).Limit(1).Scan(&found).Error
	}
	return len(found) > 0, err
}

// visibleTo keeps the entries of q's kinds, and only those the public sees when q is public.
func visibleTo(db *gorm.DB, q SearchQuery) *gorm.DB {
	if q.Public {
		return visibleEntries(db, q.Kinds, q.Now)
	}
	return db.Where("si.kind IN ?", q.Kinds)
}
