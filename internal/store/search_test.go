package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

var t0 = time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)

func publicEntry(kind string, id int64, title, body string, at time.Time) store.SearchEntry {
	return store.SearchEntry{Kind: kind, ItemID: id, Slug: search.Slugify(title), Title: title, Body: body, Public: true, SortTime: at}
}

func find(t *testing.T, st *store.Store, q string, kinds ...string) []string {
	t.Helper()
	if len(kinds) == 0 {
		kinds = []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}
	}
	query, err := st.ParseSearch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	hits, total, err := st.Search(context.Background(), store.SearchQuery{
		Query: query, Kinds: kinds, Public: true, Now: t0.Add(24 * time.Hour), Limit: 100,
	})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	if int(total) != len(hits) {
		t.Fatalf("search %q: total %d but %d hits", q, total, len(hits))
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = fmt.Sprintf("%s:%d", h.Kind, h.ItemID)
	}
	return out
}

// Every case of internal/search/testdata/search-cases.tsv, on both databases: found exactly when it must match.
func TestSearchFixtureCases(t *testing.T) {
	f, err := os.Open("../search/testdata/search-cases.tsv")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	defer f.Close()
	type tc struct{ query, text, match string }
	var cases []tc
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) == 3 {
			cases = append(cases, tc{cols[0], cols[1], cols[2]})
		}
	}
	if len(cases) < 10 {
		t.Fatalf("only %d fixture cases", len(cases))
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		ctx := context.Background()
		for i, c := range cases {
			id := int64(i + 1)
			// The text as a body under an unrelated title, and as a title with no body.
			if err := st.Reindex(ctx, publicEntry(store.KindArticle, id, "Bản tin", c.text, t0)); err != nil {
				t.Fatal(err)
			}
			if err := st.Reindex(ctx, publicEntry(store.KindDocument, id, c.text, "", t0)); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cases {
			got := find(t, st, c.query)
			for _, item := range []string{fmt.Sprintf("article:%d", i+1), fmt.Sprintf("document:%d", i+1)} {
				if slices.Contains(got, item) != (c.match == "yes") {
					t.Errorf("%q in %q (%s): found=%v, want match=%s", c.query, c.text, item, !(c.match == "yes"), c.match)
				}
			}
			if (c.match == "yes") != search.Matches(c.query, c.text) {
				t.Errorf("search.Matches disagrees with the fixture on %q / %q", c.query, c.text)
			}
		}
	})
}

var sampleTitles = []string{
	"MTTQ Việt Nam Thành phố Hồ Chí Minh và Công an Thành phố ký kết Quy chế phối hợp",
	"Đại hội đại biểu Ủy ban MTTQ Việt Nam tỉnh Gia Lai lần thứ XI",
	"Đại hội đại biểu Mặt trận Tổ quốc Việt Nam tỉnh Yên Bái lần thứ XVI",
	"Vĩnh Long: Vận động Quỹ Vì người nghèo các cấp được hơn 17,9 tỷ đồng",
	"Thanh Hoá phát động phong trào toàn dân bảo vệ an ninh Tổ quốc",
	"Đồng chí Đỗ Văn Chiến thăm và làm việc tại xã Hiệp Phước",
	"Hướng dẫn tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
	"Kế hoạch giám sát và phản biện xã hội năm 2026",
}

var sampleBodies = []string{
	"Phối hợp tuyên truyền, vận động nâng cao nhận thức cho đoàn viên, hội viên và các tầng lớp Nhân dân.",
	"Ban Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam Thành phố và Công an Thành phố ký kết Quy chế phối hợp về đẩy mạnh phong trào toàn dân bảo vệ an ninh Tổ quốc.",
	"Đồng chí Đỗ Văn Chiến, Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng, Chủ tịch Ủy ban Trung ương MTTQ Việt Nam.",
	"Góp phần giữ vững an ninh chính trị, trật tự an toàn xã hội trên địa bàn Thành phố.",
	"",
}

func seedSample(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	kinds := []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}
	for i := 0; i < 60; i++ {
		e := publicEntry(kinds[i%3], int64(i+1), sampleTitles[i%len(sampleTitles)], sampleBodies[i%len(sampleBodies)], t0.Add(-time.Duration(i%17)*time.Hour))
		if i%11 == 5 {
			e.Public = false
		}
		if i%13 == 7 {
			future := t0.Add(48 * time.Hour)
			e.PublicFrom = &future
		}
		if err := st.Reindex(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

var sampleQueries = []string{
	"bao ve an ninh", "Bảo vệ AN NINH", "dai hoi", "Đỗ", "do van chien", "thanh hoa", "Thanh Hóa", "THANH HOÁ",
	"quy vi nguoi ngheo", "17", "ky ket quy che", "mat tran to quoc", "an", "hiep phuoc nha be", "2026",
	`"an ninh" OR *`, "an:* & !ninh", "NEAR(an ninh)", "an' OR '1'='1", `\" ; DROP TABLE search_index; --`,
	`"bao ve an ninh"`, `"an ninh" to quoc`, `“to quoc”`, `"ky ket quy`, `"thanh pho" cong an`, "mttq", "MTTQ viet nam", "tp.hcm",
	"ubnd", "mat tran to quoc", "uy ban mttq", `"mttq"`,
}

// The two databases return the same items for the same data, and both put the items whose title
// is exactly the query first. Their relevance scores differ (ts_rank_cd and bm25), so the orders
// below the exact titles may too: TestSearchJudgements checks each engine's order.
func TestSearchSameOnBothDatabases(t *testing.T) {
	sqlite := store.New(testdb.New(t, store.SQLite), testdb.NewClock(testdb.Epoch).Now)
	postgres := store.New(testdb.New(t, store.Postgres), testdb.NewClock(testdb.Epoch).Now)
	seedSample(t, sqlite)
	seedSample(t, postgres)
	found, exact := 0, 0
	for _, q := range append(sampleQueries, sampleTitles...) {
		if search.ParseQuery(q, nil).Empty() {
			continue
		}
		a, b := find(t, sqlite, q), find(t, postgres, q)
		if !slices.Equal(sortedItems(a), sortedItems(b)) {
			t.Errorf("%q:\n sqlite   %v\n postgres %v", q, a, b)
		}
		wantExact := sampleExactTitles(q)
		for name, got := range map[string][]string{"sqlite": a, "postgres": b} {
			if n := len(wantExact); len(got) < n || !slices.Equal(sortedItems(got[:n]), wantExact) {
				t.Errorf("%q on %s: %v, want the exact titles %v first", q, name, got, wantExact)
			}
		}
		found += len(a)
		exact += len(wantExact)
	}
	if found == 0 || exact == 0 {
		t.Fatalf("%d hits, %d exact titles: the comparison proves nothing", found, exact)
	}
}

func sortedItems(items []string) []string {
	return slices.Sorted(slices.Values(items))
}

// sampleExactTitles are the visible items of seedSample whose title is exactly q (folded).
func sampleExactTitles(q string) []string {
	var out []string
	typed := search.ParseQuery(q, nil).Typed()
	for i := 0; i < 60; i++ {
		if i%11 == 5 || i%13 == 7 || search.Fold(sampleTitles[i%len(sampleTitles)]) != typed {
			continue
		}
		out = append(out, fmt.Sprintf("%s:%d", []string{store.KindArticle, store.KindDocument, store.KindAnnouncement}[i%3], i+1))
	}
	return sortedItems(out)
}

// PostgreSQL's parser reads the start of "96e9gwcdjtm9" as a number and splits the word: one
// tracking code in 300 is such a word, and its submission must still be found by it.
func TestSearchWordsThatStartLikeNumbers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		if err := st.Reindex(context.Background(), publicEntry(store.KindArticle, 1, "Mã hồ sơ", "đã nhận 96E9GWCDJTM9 hôm nay", t0)); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"96e9gwcdjtm9", "96e9g", "96e", "da nhan 96e9gwcdjtm9", "96e9gwcdjtm9 hom"} {
			if got := find(t, st, q); !slices.Equal(got, []string{"article:1"}) {
				t.Errorf("%q: got %v, want [article:1]", q, got)
			}
		}
		if got := find(t, st, "96e9gwcdjtm8"); len(got) != 0 {
			t.Errorf("another code: got %v, want nothing", got)
		}
	})
}

func TestSearchRankingVisibilityAndUpdates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		ctx := context.Background()
		must := func(e store.SearchEntry) {
			t.Helper()
			if err := st.Reindex(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		must(publicEntry(store.KindArticle, 1, "Tin vắn", "Phong trào bảo vệ an ninh Tổ quốc", t0))                       // body only, newest
		must(publicEntry(store.KindArticle, 2, "Bảo vệ an ninh", "", t0.Add(-400*day)))                                   // exactly the query, old
		must(publicEntry(store.KindArticle, 3, "Toàn dân bảo vệ an ninh Tổ quốc", "nội dung", t0.Add(-time.Hour)))        // title
		must(publicEntry(store.KindArticle, 4, "An ninh trật tự", "bảo vệ", t0.Add(-90*day)))                             // terms split, old
		must(publicEntry(store.KindDocument, 8, "Tin vắn", "Phong trào bảo vệ an ninh Tổ quốc", t0.Add(-time.Hour)))      // as 1, older
		must(publicEntry(store.KindAnnouncement, 9, "Tin vắn", "Phong trào bảo vệ an ninh Tổ quốc", t0.Add(-time.Hour)))  // as 8: kind
		must(publicEntry(store.KindAnnouncement, 10, "Tin vắn", "Phong trào bảo vệ an ninh Tổ quốc", t0.Add(-time.Hour))) // as 9: newer id
		draft := publicEntry(store.KindArticle, 5, "Bảo vệ an ninh", "", t0)                                              // not public
		draft.Public = false
		must(draft)
		later := t0.Add(48 * time.Hour)
		scheduled := publicEntry(store.KindArticle, 6, "Bảo vệ an ninh sắp đăng", "", t0)
		scheduled.PublicFrom = &later
		must(scheduled)
		ended := publicEntry(store.KindAnnouncement, 7, "Bảo vệ an ninh hết hạn", "", t0)
		past := t0.Add(-time.Minute)
		ended.PublicUntil = &past
		must(ended)

		// The exact title first, however old; then a title hit of today; equal texts newer
		// first, then by kind and newer id. Where the words split across the fields (4) sits
		// is the engines' relevance.
		got := find(t, st, "bao ve an ninh")
		equals := slices.DeleteFunc(slices.Clone(got[2:]), func(item string) bool { return item == "article:4" })
		if len(got) != 7 || !slices.Equal(got[:2], []string{"article:2", "article:3"}) ||
			!slices.Equal(equals, []string{"article:1", "announcement:10", "announcement:9", "document:8"}) {
			t.Fatalf("ranking: got %v, want article:2, article:3, then article:1, announcement:10, announcement:9, document:8 in that order, and article:4", got)
		}
		// An edit re-indexes; a removal un-indexes.
		must(publicEntry(store.KindArticle, 2, "Tin khác hẳn", "", t0.Add(-2*time.Hour)))
		if got := find(t, st, "bao ve an ninh"); slices.Contains(got, "article:2") {
			t.Fatalf("stale index after an edit: %v", got)
		}
		if got := find(t, st, "tin khac"); !slices.Contains(got, "article:2") {
			t.Fatalf("edit not indexed: %v", got)
		}
		if got := find(t, st, "bao ve", store.KindAnnouncement); !slices.Equal(got, []string{"announcement:10", "announcement:9"}) {
			t.Fatalf("kind filter or expiry ignored: %v", got)
		}
	})
}

// A phrase is looked for within the title or within the body, never across the two; words may
// be in either. Positions past an edit are the new text's.
func TestSearchPhrasesStayInOneField(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		ctx := context.Background()
		if err := st.Reindex(ctx, publicEntry(store.KindArticle, 1, "Bản tin an ninh", "Tổ quốc bình yên", t0)); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]bool{
			`"ban tin an ninh"`: true, `"to quoc binh"`: true, `"an ninh to quoc"`: false, `an ninh to quoc`: true,
			`"an ninh" "to quoc"`: true, `"tin an`: true, `"binh yen" ban`: true, `"yen ban"`: false,
		} {
			if got := len(find(t, st, q)) == 1; got != want {
				t.Errorf("%s: found %v, want %v", q, got, want)
			}
		}
		if err := st.Reindex(ctx, publicEntry(store.KindArticle, 1, "Bản tin", "an ninh Tổ quốc", t0)); err != nil {
			t.Fatal(err)
		}
		if got := find(t, st, `"an ninh to quoc"`); len(got) != 1 {
			t.Errorf("after an edit: %v", got)
		}
	})
}

// Past the ranked candidates, results go on newest first: the pages of a query with more
// matches than the cap hold each counted match once, the exact title (the oldest) first.
func TestSearchPagesPastTheRankedResults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		ctx := context.Background()
		n := store.MaxSearchResults*3/2 + 10 // a third of them do not match
		for i := 1; i <= n; i++ {
			title, body := fmt.Sprintf("Hội nghị lần %d", i), "Hội nghị tổng kết công tác Mặt trận"
			if i%3 == 0 {
				title, body = "Tin vắn", "Hội nghị"
			}
			if i == n {
				title = "Hội nghị tổng kết"
			}
			if err := st.Reindex(ctx, publicEntry(store.KindArticle, int64(i), title, body, t0.Add(-time.Duration(i)*time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		query, err := st.ParseSearch(ctx, "hoi nghi tong ket")
		if err != nil {
			t.Fatal(err)
		}
		var all []store.SearchHit
		for offset := 0; offset < store.MaxSearchResults+100; offset += 100 {
			hits, total, err := st.Search(ctx, store.SearchQuery{Query: query, Kinds: []string{store.KindArticle}, Public: true, Now: t0, Offset: offset, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if total != store.MaxSearchResults {
				t.Fatalf("total %d, want the cap %d", total, store.MaxSearchResults)
			}
			all = append(all, hits...)
		}
		if len(all) != store.MaxSearchResults {
			t.Fatalf("%d hits over the pages, want %d", len(all), store.MaxSearchResults)
		}
		seen := map[int64]bool{}
		for i, h := range all {
			if seen[h.ItemID] {
				t.Fatalf("article %d twice (at %d)", h.ItemID, i)
			}
			seen[h.ItemID] = true
		}
		if all[0].ItemID != int64(n) {
			t.Errorf("first %d, want the exact title %d", all[0].ItemID, n)
		}
		tail := all[store.RankedSearchResults+1:]
		if !slices.IsSortedFunc(tail, func(a, b store.SearchHit) int { return b.SortTime.Compare(a.SortTime) }) {
			t.Errorf("past the ranked results, not newest first")
		}
		for _, h := range all[1 : store.RankedSearchResults+1] {
			if !h.SortTime.After(tail[0].SortTime) {
				t.Fatalf("ranked article %d is not newer than those past the ranked ones", h.ItemID)
			}
		}
	})
}
