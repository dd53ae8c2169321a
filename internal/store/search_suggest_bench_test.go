package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// BenchmarkSuggestPostgres measures search-as-you-type (Store.Suggest) over 20,000 published
// articles (plus 2,000 drafts and 1,000 tags) whose titles are made from the sample page, on
// PostgreSQL (TOASOAN_TEST_DATABASE_URL): each iteration completes one of 3,000 distinct
// prefixes, cut from the titles at 1 to 24 characters as a reader types them. It reports p50,
// p95 and p99 latency and completions per second (one connection), and logs the EXPLAIN
// ANALYZE of a short and a long prefix:
//
//	TOASOAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./internal/store -run '^$' -bench SuggestPostgres -benchtime 5000x -v
func BenchmarkSuggestPostgres(b *testing.B) { benchmarkSuggest(b, store.Postgres) }

// BenchmarkSuggestSQLite is the same on the embedded database:
//
//	go test ./internal/store -run '^$' -bench SuggestSQLite -benchtime 5000x -v
func BenchmarkSuggestSQLite(b *testing.B) { benchmarkSuggest(b, store.SQLite) }

// BenchmarkDidYouMeanPostgres measures the correction of one-typo queries (Store.DidYouMean)
// over the same articles, after a vocabulary rebuild (whose time it logs):
//
//	TOASOAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./internal/store -run '^$' -bench DidYouMeanPostgres -benchtime 2000x -v
func BenchmarkDidYouMeanPostgres(b *testing.B) { benchmarkDidYouMean(b, store.Postgres) }

// BenchmarkDidYouMeanSQLite is the same on the embedded database.
func BenchmarkDidYouMeanSQLite(b *testing.B) { benchmarkDidYouMean(b, store.SQLite) }

// seedTitles fills the search index with published articles (and drafts) and the tags table,
// and returns the folded titles of the published ones.
func seedTitles(b *testing.B, db *gorm.DB, published int) []string {
	b.Helper()
	type searchRow struct {
		Kind, Slug, Title, Body, TitleFolded, BodyFolded string
		ItemID                                           int64
		Public                                           bool
		SortTime                                         time.Time
	}
	type tagRow struct {
		Name, Slug, Description string
		Version                 int
		CreatedAt               time.Time
	}
	ctx := context.Background()
	sentences := sampleSentences(b)
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var titles []string
	rows := make([]searchRow, 0, 1000)
	flush := func() {
		if len(rows) > 0 {
			if err := db.WithContext(ctx).Table("search_index").Create(&rows).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	for i := range published + published/10 {
		words := strings.Fields(sentences[rng.IntN(len(sentences))])
		from := rng.IntN(max(1, len(words)-6))
		title := strings.Join(words[from:min(len(words), from+5+rng.IntN(8))], " ") + " " + strconv.Itoa(i)
		var body strings.Builder
		for range 3 {
			body.WriteString(sentences[rng.IntN(len(sentences))] + " ")
		}
		public := i < published
		folded := search.Fold(title)
		if public {
			titles = append(titles, folded)
		}
		rows = append(rows, searchRow{Kind: store.KindArticle, ItemID: int64(i + 1), Slug: search.Slugify(title), Title: title,
			Body: body.String(), TitleFolded: folded, BodyFolded: search.Fold(body.String()), Public: public,
			SortTime: start.Add(time.Duration(rng.IntN(6*365*24)) * time.Hour)})
		if len(rows) == cap(rows) {
			flush()
		}
	}
	flush()
	tags := make([]tagRow, 0, 1000)
	for i := range 1000 {
		words := strings.Fields(sentences[rng.IntN(len(sentences))])
		name := strings.Join(words[:min(len(words), 2)], " ") + " " + strconv.Itoa(i)
		tags = append(tags, tagRow{Name: name, Slug: search.Slugify(name), Version: 1, CreatedAt: start})
	}
	if err := db.WithContext(ctx).Table("tags").CreateInBatches(&tags, 500).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	return titles
}

// percentiles reports the p50, p95 and p99 of latencies and how many calls a second they make.
func percentiles(b *testing.B, latencies []time.Duration) {
	var sum time.Duration
	for _, l := range latencies {
		sum += l
	}
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*95/100]), "p95-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
	b.ReportMetric(float64(len(latencies))/sum.Seconds(), "calls/s")
}

func benchmarkSuggest(b *testing.B, dialect string) {
	db := testdb.New(b, dialect)
	st := store.New(db, time.Now)
	ctx := context.Background()
	titles := seedTitles(b, db, 20_000)
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[string]bool{}
	var prefixes []string
	for len(prefixes) < 3000 {
		t := titles[rng.IntN(len(titles))]
		p := strings.TrimLeft(t[:min(len(t), 1+rng.IntN(24))], " ")
		if p != "" && !seen[p] {
			seen[p] = true
			prefixes = append(prefixes, p)
		}
	}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if dialect == store.Postgres {
		for _, p := range []string{"c", "hoi nghi tong ket"} {
			var plan []string
			db.Raw(`EXPLAIN ANALYZE SELECT si.item_id, si.slug, si.title FROM search_index si
				WHERE si.kind = 'article' AND si.public AND si.title_folded LIKE ?
				AND (si.public_from IS NULL OR si.public_from <= ?) AND (si.public_until IS NULL OR si.public_until > ?)
				ORDER BY si.sort_time DESC, si.item_id DESC LIMIT 8`, p+"%", now, now).Pluck("QUERY PLAN", &plan)
			b.Logf("EXPLAIN ANALYZE of the titles starting with %q:\n%s", p, strings.Join(plan, "\n"))
		}
	}
	if dialect == store.SQLite {
		type step struct{ Detail string }
		var plan []step
		db.Raw(`EXPLAIN QUERY PLAN SELECT si.item_id, si.slug, si.title FROM search_index si
			WHERE si.kind = 'article' AND si.public AND si.title_folded GLOB ?
			AND (si.public_from IS NULL OR si.public_from <= ?) AND (si.public_until IS NULL OR si.public_until > ?)
			ORDER BY si.sort_time DESC, si.item_id DESC LIMIT 8`, "c*", now, now).Scan(&plan)
		b.Logf("EXPLAIN QUERY PLAN of the titles starting with a prefix: %v", plan)
	}
	slow := map[string]time.Duration{}
	for _, p := range append(prefixes[:200], prefixes[:200]...) {
		t := time.Now()
		if _, err := st.Suggest(ctx, p, now); err != nil {
			b.Fatal(err)
		}
		if d := time.Since(t); d > 5*time.Millisecond {
			slow[p] = d
		}
	}
	b.Logf("prefixes over 5 ms (of the first 200, run twice): %v", slow)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if _, err := st.Suggest(ctx, prefixes[i%len(prefixes)], now); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(t))
	}
	b.StopTimer()
	percentiles(b, latencies)
}

func benchmarkDidYouMean(b *testing.B, dialect string) {
	db := testdb.New(b, dialect)
	st := store.New(db, time.Now)
	ctx := context.Background()
	seedTitles(b, db, 20_000)
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	started := time.Now()
	n, err := st.RebuildSearchVocabulary(ctx, now)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("vocabulary rebuilt: %d words in %v", n, time.Since(started))
	queries := []string{"an nimh", "mat tran to quoc viet nan", "dai hoi dai bieu tinh gia lia", "phong trao toan dann",
		"ghanh pho ho chi minh", "cong tac hoa giai o co so", "nguyne van", "tuyen truyen vabn dong"}
	kinds := []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}
	for _, q := range queries {
		t := time.Now()
		got, changed, err := st.DidYouMean(ctx, store.SearchQuery{Query: search.ParseQuery(q, nil), Kinds: kinds, Public: true, Now: now, Limit: 20})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%-32q → %q (changed %v, %d results) in %v", q, strings.Join(got.Terms, " "), changed, got.Total, time.Since(t))
	}
	if dialect == store.Postgres {
		for _, w := range []string{"dai", "lia"} {
			var plan []string
			db.Raw(`EXPLAIN ANALYZE SELECT 1 FROM search_index si WHERE si.kind IN ('article', 'document', 'announcement')
				AND si.public = true AND (si.public_from IS NULL OR si.public_from <= ?) AND (si.public_until IS NULL OR si.public_until > ?)
				AND si.tsv @@ to_tsquery('simple', ?) LIMIT 1`, now, now, w).Pluck("QUERY PLAN", &plan)
			b.Logf("EXPLAIN ANALYZE of whether a visible item holds %q:\n%s", w, strings.Join(plan, "\n"))
		}
	}
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		q := store.SearchQuery{Query: search.ParseQuery(queries[i%len(queries)], nil), Kinds: kinds, Public: true, Now: now, Limit: 20}
		if _, _, err := st.DidYouMean(ctx, q); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(t))
	}
	b.StopTimer()
	percentiles(b, latencies)
}
