package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// BenchmarkSearchPostgres100k measures public search over 100,000 articles generated from the
// sample page, on PostgreSQL (TOASOAN_TEST_DATABASE_URL). It reports the p50 and p95 latency of
// a mix of queries and logs the EXPLAIN of the candidates of two, to show the GIN index and the recency index in use:
//
//	TOASOAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./internal/store -run '^$' -bench SearchPostgres100k -benchtime 200x -v
func BenchmarkSearchPostgres100k(b *testing.B) { benchmarkSearch100k(b, store.Postgres) }

// BenchmarkSearchSQLite100k is the same on the embedded database:
//
//	go test ./internal/store -run '^$' -bench SearchSQLite100k -benchtime 300x -v
func BenchmarkSearchSQLite100k(b *testing.B) { benchmarkSearch100k(b, store.SQLite) }

func benchmarkSearch100k(b *testing.B, dialect string) {
	db := testdb.New(b, dialect)
	st := store.New(db, time.Now)
	type searchRow struct {
		Kind, Slug, Title, Body, TitleFolded, BodyFolded string
		ItemID                                           int64
		Public                                           bool
		SortTime                                         time.Time
	}
	ctx := context.Background()
	sentences := sampleSentences(b)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const total, batch = 100_000, 1000
	rows := make([]searchRow, 0, batch)
	provinces := []string{"Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Gia Lai", "Yên Bái",
		"Vĩnh Long", "Thanh Hóa", "Nghệ An", "Quảng Ninh", "Đắk Lắk", "Lào Cai", "Bến Tre", "Sóc Trăng", "Huế"}
	topics := []string{"Đại hội đại biểu Mặt trận Tổ quốc", "Quỹ Vì người nghèo", "bảo vệ an ninh Tổ quốc", "giám sát và phản biện xã hội",
		"hòa giải ở cơ sở", "tiếp công dân", "cuộc vận động xây dựng nông thôn mới", "đồng bào dân tộc, tôn giáo", "đối ngoại nhân dân"}
	actions := []string{"Hội nghị", "Ký kết Quy chế phối hợp về", "Tổng kết công tác", "Phát động", "Tập huấn", "Kiểm tra", "Sơ kết"}
	for i := 0; i < total; i++ {
		title := actions[rng.IntN(len(actions))] + " " + topics[rng.IntN(len(topics))] + " tại " + provinces[rng.IntN(len(provinces))] +
			" năm " + strconv.Itoa(2020+rng.IntN(7))
		var body strings.Builder
		for range 3 + rng.IntN(4) {
			body.WriteString(sentences[rng.IntN(len(sentences))])
			body.WriteString(" ")
			body.WriteString(provinces[rng.IntN(len(provinces))])
			body.WriteString(". ")
		}
		at := start.Add(time.Duration(rng.IntN(6*365*24)) * time.Hour)
		rows = append(rows, searchRow{Kind: store.KindArticle, ItemID: int64(i + 1), Slug: search.Slugify(title), Title: title,
			Body: body.String(), TitleFolded: search.Fold(title), BodyFolded: search.Fold(body.String()), Public: true, SortTime: at})
		if len(rows) == batch {
			if err := db.WithContext(ctx).Table("search_index").Create(&rows).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	if err := db.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	queries := []string{"bao ve an ninh", "Đỗ Văn Chiến", "dai hoi dai bieu yen bai", "quy vi nguoi ngheo vinh long", "hiep phuoc",
		"thanh pho ho chi minh", "phong trao toan dan", "mat tran", "hoa giai o co so hue 2023", "cong an", "tuyen truyen van dong", "lao cai"}
	for _, q := range []string{"hoa giai o co so hue 2023", "mat tran"} {
		if dialect != store.Postgres {
			break
		}
		var plan []string
		db.Raw(`EXPLAIN ANALYZE SELECT si.id FROM search_index si WHERE si.tsv @@ to_tsquery('simple', ?) AND si.kind IN ('article')
			ORDER BY si.sort_time DESC, si.kind, si.item_id DESC LIMIT ?`, tsq(q), store.RankedSearchResults).Pluck("QUERY PLAN", &plan)
		b.Logf("EXPLAIN ANALYZE of the newest candidates for %q:\n%s", q, strings.Join(plan, "\n"))
	}

	// Besides the timed mix (unchanged, to compare with earlier runs): a phrase and abbreviations.
	for _, q := range append(queries, `"bao ve an ninh"`, `"thanh pho ho chi minh"`, "tp.hcm", "mttq", "ubnd") { // one run of each, to show which queries cost what
		t := time.Now()
		query, err := st.ParseSearch(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		_, total, err := st.Search(ctx, store.SearchQuery{Query: query, Kinds: []string{store.KindArticle}, Public: true, Now: time.Now(), Limit: 20})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%-32q %4d hits  %v", q, total, time.Since(t))
	}

	latencies := make([]time.Duration, 0, b.N)
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		t := time.Now()
		query, err := st.ParseSearch(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		_, _, err = st.Search(ctx, store.SearchQuery{Query: query, Kinds: []string{store.KindArticle}, Public: true, Now: now, Limit: 20, Offset: 20 * (i % 3)})
		if err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*95/100].Microseconds())/1000, "p95-ms")
}

func tsq(q string) string {
	terms := search.Terms(q)
	terms[len(terms)-1] += ":*"
	return strings.Join(terms, " & ")
}

// sampleSentences splits the sample article page into sentences to vary generated content.
func sampleSentences(b *testing.B) []string {
	raw, err := os.ReadFile("../search/testdata/mattran-article-page.txt")
	if err != nil {
		b.Fatalf("sample page: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		for _, s := range strings.SplitAfter(line, ". ") {
			if s = strings.TrimSpace(s); len(s) > 20 {
				out = append(out, s)
			}
		}
	}
	return out
}
