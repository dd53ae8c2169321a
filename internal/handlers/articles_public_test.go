package handlers

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// tickingClock gives the server a fresh ticking clock (see newTestServer) and returns jump,
// which moves it on by d, then logs every user in again, as tokens may have expired meanwhile.
func (ts *testServer) tickingClock() (jump func(time.Duration)) {
	clock := tickingClock()
	ts.setClock(clock.Now)
	return func(d time.Duration) {
		clock.Advance(d)
		ts.relogin()
	}
}

// published writes and publishes an article as an editor.
func (ts *testServer) published(body map[string]any) editorialArticle {
	ts.t.Helper()
	a := ts.newArticle("editor", body)
	return ts.act(a.ID, "publish", nil)
}

// countQueries counts the statements run on db from now on: reads and writes apart.
func countQueries(db *gorm.DB) (reads, writes *atomic.Int64) {
	reads, writes = new(atomic.Int64), new(atomic.Int64)
	// Sub-queries are built by a dry run of the query callbacks: they are not statements.
	read := func(d *gorm.DB) {
		if !d.DryRun {
			reads.Add(1)
		}
	}
	write := func(d *gorm.DB) {
		if !d.DryRun {
			writes.Add(1)
		}
	}
	cb := db.Callback()
	_ = cb.Query().After("gorm:query").Register("test:count", read)
	_ = cb.Row().After("gorm:row").Register("test:count", read)
	_ = cb.Raw().After("gorm:raw").Register("test:count", write)
	_ = cb.Create().After("gorm:create").Register("test:count", write)
	_ = cb.Update().After("gorm:update").Register("test:count", write)
	_ = cb.Delete().After("gorm:delete").Register("test:count", write)
	return reads, writes
}

func TestPublicArticlesShowOnlyPublished(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		ts.newArticle("author", map[string]any{"title": "Bản nháp", "category_id": cat, "tags": []string{"Bí mật"}})
		pending := ts.newArticle("author", map[string]any{"title": "Chờ duyệt", "category_id": cat})
		ts.do("POST", articlePath(pending.ID, "/submit"), nil, "author", nil)
		archived := ts.published(map[string]any{"title": "Đã lưu trữ", "category_id": cat})
		ts.act(archived.ID, "archive", nil)
		unpublished := ts.published(map[string]any{"title": "Đã gỡ", "category_id": cat})
		ts.act(unpublished.ID, "unpublish", nil)
		live := ts.published(map[string]any{"title": "Đã đăng", "category_id": cat, "tags": []string{"Công khai"},
			"cover_media_id": ts.newMedia("anh.jpg"), "cover_caption": "Ảnh", "byline": "Minh Anh", "summary": "Tóm tắt", "body": "<p>Thân bài</p>"})
		scheduled := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ", "category_id": cat})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})

		ts.run([]scenario{
			{name: "only the published article is listed", method: "GET", path: "/api/v1/articles", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "da-dang", "meta.pagination.page": 1,
					"meta.pagination.per_page": 20, "meta.pagination.total_pages": 1, "meta.pagination.next": nil, "meta.pagination.prev": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantPublicCaching(t, res)
					item := decode[map[string]any](t, res)["data"].([]any)[0].(map[string]any)
					want := []string{"author", "authors", "byline", "category", "cover", "featured", "id", "published_at", "reading_time", "slug", "summary", "tags", "title", "updated_at", "view_count", "word_count"}
					var got []string
					for k := range item {
						got = append(got, k)
					}
					sort.Strings(got)
					if !slices.Equal(got, want) {
						t.Errorf("item fields %v, want exactly %v", got, want)
					}
				}},
			{name: "item values", method: "GET", path: "/api/v1/articles", want: 200,
				fields: map[string]any{"data.0.cover.url": "http://localhost:8080/media/anh.jpg", "data.0.cover.caption": "Ảnh",
					"data.0.cover.width": 1200, "data.0.cover.height": 800, "data.0.category.slug": "tin-moi", "data.0.category.name": "Tin mới",
					"data.0.tags.0.slug": "cong-khai", "data.0.tags.0.name": "Công khai", "data.0.author.id": ts.ids["editor"],
					"data.0.author.name": "Người dùng editor", "data.0.byline": "Minh Anh", "data.0.view_count": 0, "data.0.featured": false}},
			{name: "the published article", method: "GET", path: "/api/v1/articles/da-dang", want: 200,
				fields: map[string]any{"data.id": live.ID, "data.body": "<p>Thân bài</p>", "data.summary": "Tóm tắt"},
				check:  wantPublicCaching},
			{name: "a draft is 404", method: "GET", path: "/api/v1/articles/ban-nhap", want: 404},
			{name: "a pending article is 404", method: "GET", path: "/api/v1/articles/cho-duyet", want: 404},
			{name: "an archived article is 404", method: "GET", path: "/api/v1/articles/da-luu-tru", want: 404},
			{name: "an unpublished article is 404", method: "GET", path: "/api/v1/articles/da-go", want: 404},
			{name: "a future scheduled article is 404", method: "GET", path: "/api/v1/articles/hen-gio", want: 404},
			{name: "tags of unpublished articles are hidden", method: "GET", path: "/api/v1/tags", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "cong-khai", "data.0.article_count": 1}},
		})

		jump(2 * time.Hour) // no job runs: the query alone makes the scheduled article visible
		ts.run([]scenario{
			{name: "the scheduled article is out at its time", method: "GET", path: "/api/v1/articles/hen-gio", want: 200},
			{name: "and listed first", method: "GET", path: "/api/v1/articles", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.slug": "hen-gio", "data.1.slug": "da-dang"}},
		})
	})
}

func TestPublicArticleFiltersAndErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		news := ts.createCategory("Tin tức", 0)
		local := ts.createCategory("Mặt trận địa phương", news)
		village := ts.createCategory("Cơ sở", local)
		photos := ts.createCategory("Tin ảnh", 0)
		ts.published(map[string]any{"title": "Tin gốc", "category_id": news, "tags": []string{"Đại hội"}})
		ts.published(map[string]any{"title": "Tin địa phương", "category_id": local, "featured": true})
		jump(48 * time.Hour)
		ts.published(map[string]any{"title": "Tin cơ sở", "category_id": village, "tags": []string{"Đại hội", "Bầu cử"}})
		byAuthor := ts.newArticle("author", map[string]any{"title": "Ảnh Bảo vệ an ninh", "category_id": photos, "body": "<p>Đỗ Văn Chiến</p>"})
		ts.act(byAuthor.ID, "publish", nil)
		day := func(d time.Duration) string { return ts.now().Add(d).Format("2006-01-02") }
		list := func(query string) string { return "/api/v1/articles?" + query }
		validCursor := base64.RawURLEncoding.EncodeToString([]byte("1787000000000000000:1"))

		ts.run([]scenario{
			{name: "a category includes its sub-categories", method: "GET", path: list("category=tin-tuc"), want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "data.0.slug": "tin-co-so"}},
			{name: "a sub-category", method: "GET", path: list("category=mat-tran-dia-phuong"), want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "a leaf", method: "GET", path: list("category=co-so"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1}},
			{name: "an unknown category matches nothing", method: "GET", path: list("category=khong-co"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "tag", method: "GET", path: list("tag=dai-hoi"), want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.slug": "tin-co-so", "data.1.slug": "tin-goc"}},
			{name: "tag counts", method: "GET", path: "/api/v1/tags", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.slug": "dai-hoi", "data.0.article_count": 2,
					"data.1.slug": "bau-cu", "data.1.article_count": 1}},
			{name: "featured", method: "GET", path: list("featured=true"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "tin-dia-phuong"}},
			{name: "not featured", method: "GET", path: list("featured=false"), want: 200,
				fields: map[string]any{"meta.pagination.total": 3}},
			{name: "author", method: "GET", path: list(fmt.Sprintf("author=%d", ts.ids["author"])), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "anh-bao-ve-an-ninh"}},
			{name: "from a day", method: "GET", path: list("from=" + day(-time.Hour)), want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "to a day, inclusive", method: "GET", path: list("to=" + day(-47*time.Hour)), want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "q without diacritics", method: "GET", path: list("q=bao%20ve%20AN%20NINH"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "anh-bao-ve-an-ninh"}},
			{name: "q with diacritics finds the body, đ as d", method: "GET", path: list("q=" + url.QueryEscape("Đỗ văn")), want: 200,
				fields: map[string]any{"meta.pagination.total": 1}},
			{name: "q matches word prefixes only", method: "GET", path: list("q=an%20ninhx"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "q with a LIKE wildcard is literal", method: "GET", path: list("q=%25"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "paging", method: "GET", path: list("per_page=3&page=2"), want: 200,
				fields: map[string]any{"meta.pagination.total": 4, "meta.pagination.total_pages": 2, "meta.pagination.page": 2,
					"meta.pagination.prev": 1, "meta.pagination.next": nil, "data.0.slug": "tin-goc"}},
			{name: "the first page offers a cursor", method: "GET", path: list("per_page=3"), want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if decode[publicArticleListResponse](t, res).Meta.Pagination.NextCursor == "" {
						t.Error("no next_cursor")
					}
				}},

			{name: "per_page over 100", method: "GET", path: list("per_page=101"), want: 400, fields: map[string]any{"errors.0.field": "per_page"}},
			{name: "page 0", method: "GET", path: list("page=0"), want: 400, fields: map[string]any{"errors.0.field": "page"}},
			{name: "bad sort", method: "GET", path: list("sort=bogus"), want: 400, fields: map[string]any{"errors.0.field": "sort"}},
			{name: "bad date", method: "GET", path: list("from=2024-13-45"), want: 400, fields: map[string]any{"errors.0.field": "from"}},
			{name: "to before from", method: "GET", path: list("from=2024-05-02&to=2024-05-01"), want: 400, fields: map[string]any{"errors.0.field": "to"}},
			{name: "bad featured", method: "GET", path: list("featured=maybe"), want: 400, fields: map[string]any{"errors.0.field": "featured"}},
			{name: "bad author", method: "GET", path: list("author=Nguyen%20Van%20An"), want: 400, fields: map[string]any{"errors.0.field": "author"}},
			{name: "unknown parameter", method: "GET", path: list("status=draft"), want: 400, fields: map[string]any{"errors.0.field": "status"}},
			{name: "bad cursor", method: "GET", path: list("cursor=bm9wZQ"), want: 400, fields: map[string]any{"errors.0.field": "cursor"}},
			{name: "cursor and page", method: "GET", path: list("cursor=" + validCursor + "&page=2"), want: 400,
				fields: map[string]any{"errors.0.field": "cursor"}},
			{name: "cursor and views", method: "GET", path: list("cursor=" + validCursor + "&sort=-view_count"), want: 400,
				fields: map[string]any{"errors.0.field": "cursor"}},
		})
	})
}

// A day of from and to is a day in Vietnam: an article published at 23:30 on the 23rd (16:30
// UTC) belongs to the 23rd, one at 00:30 on the 24th (17:30 UTC, still the 23rd in UTC and in
// America) to the 24th, whatever the zone of the machine running the server.
func TestPublicArticleDaysAroundMidnight(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		at := func(clock string) {
			ts.t.Helper()
			when, err := time.Parse(time.RFC3339, clock)
			if err != nil {
				t.Fatal(err)
			}
			ts.setClock(func() time.Time { return when })
			ts.relogin()
		}
		at("2026-08-23T23:30:00+07:00")
		late := ts.published(map[string]any{"title": "Tin lúc 23 giờ 30", "category_id": cat})
		at("2026-08-24T00:30:00+07:00")
		early := ts.published(map[string]any{"title": "Tin lúc 0 giờ 30", "category_id": cat})
		at("2026-08-25T12:00:00+07:00")

		list := func(query string) string { return "/api/v1/articles?" + query }
		ts.run([]scenario{
			{name: "from the 24th: only the one after midnight", method: "GET", path: list("from=2026-08-24"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": early.ID, "data.0.published_at": "2026-08-24T00:30:00+07:00"}},
			{name: "to the 23rd: only the one before midnight", method: "GET", path: list("to=2026-08-23"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": late.ID, "data.0.published_at": "2026-08-23T23:30:00+07:00"}},
			{name: "the 23rd alone", method: "GET", path: list("from=2026-08-23&to=2026-08-23"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": late.ID}},
			{name: "the 24th alone", method: "GET", path: list("from=2026-08-24&to=2026-08-24"), want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": early.ID}},
			{name: "both days", method: "GET", path: list("from=2026-08-23&to=2026-08-24"), want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "the 22nd: nothing", method: "GET", path: list("to=2026-08-22"), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
		})
	})
}

func TestPublicArticleSortByViews(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Ít đọc", "category_id": cat})
		ts.published(map[string]any{"title": "Đọc nhiều", "category_id": cat})
		ts.published(map[string]any{"title": "Mới nhất", "category_id": cat})
		for i := range 3 {
			ts.beacon("doc-nhieu", browser(i), "203.0.113.7")
		}
		ts.beacon("it-doc", browser(1), "203.0.113.7")
		if err := ts.views.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := ts.store.RefreshShownViews(t.Context()); err != nil {
			t.Fatal(err)
		}
		ts.run([]scenario{
			{name: "most read first", method: "GET", path: "/api/v1/articles?sort=-view_count", want: 200,
				fields: map[string]any{"data.0.slug": "doc-nhieu", "data.0.view_count": 3, "data.1.slug": "it-doc", "data.2.slug": "moi-nhat"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if decode[publicArticleListResponse](t, res).Meta.Pagination.NextCursor != "" {
						t.Error("a cursor on a list by views")
					}
				}},
		})
	})
}

// Reading with a cursor while articles are being published: every article that was there at
// the start is seen exactly once, in order, and none of the new ones slips in.
func TestPublicArticleCursorNeverRepeatsOrSkips(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		var want []string
		for i := range 7 {
			a := ts.published(map[string]any{"title": fmt.Sprintf("Tin số %d", i), "category_id": cat})
			want = append([]string{a.Slug}, want...) // newest first
		}
		var seen []string
		path := "/api/v1/articles?per_page=3"
		for page := 0; ; page++ {
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("%s: %d %s", path, res.Code, res.Body)
			}
			body := decode[publicArticleListResponse](t, res)
			for _, a := range body.Data {
				seen = append(seen, a.Slug)
			}
			if page > 0 && (body.Meta.Pagination.Total != nil || body.Meta.Pagination.Page != 0) {
				t.Errorf("a cursor page has a total or page number: %+v", body.Meta.Pagination)
			}
			// Two new articles come out between every two pages.
			for j := range 2 {
				ts.published(map[string]any{"title": fmt.Sprintf("Tin chen %d %d", page, j), "category_id": cat})
			}
			next := body.Meta.Pagination.NextCursor
			if next == "" {
				break
			}
			path = "/api/v1/articles?per_page=3&cursor=" + next
			if page > 5 {
				t.Fatal("the cursor does not end")
			}
		}
		if !slices.Equal(seen, want) {
			t.Fatalf("read %v, want %v", seen, want)
		}
	})
}

func TestRelatedArticles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		news := ts.createCategory("Tin tức", 0)
		photos := ts.createCategory("Tin ảnh", 0)
		ts.published(map[string]any{"title": "Cùng chuyên mục cũ", "category_id": news})
		ts.published(map[string]any{"title": "Khác hẳn", "category_id": photos, "tags": []string{"Thể thao"}})
		sameTag := ts.published(map[string]any{"title": "Cùng thẻ", "category_id": photos, "tags": []string{"Đại hội"}})
		ts.newArticle("editor", map[string]any{"title": "Nháp cùng chuyên mục", "category_id": news})
		for i := range 4 {
			ts.published(map[string]any{"title": fmt.Sprintf("Cùng chuyên mục %d", i), "category_id": news})
		}
		ts.published(map[string]any{"title": "Bài chính", "category_id": news, "tags": []string{"Đại hội"}})
		ts.run([]scenario{
			{name: "five related, newest first, itself excluded", method: "GET", path: "/api/v1/articles/bai-chinh", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					var got []string
					for _, r := range decode[publicArticleResponse](t, res).Data.Related {
						got = append(got, r.Slug)
					}
					want := []string{"cung-chuyen-muc-3", "cung-chuyen-muc-2", "cung-chuyen-muc-1", "cung-chuyen-muc-0", "cung-the"}
					if !slices.Equal(got, want) {
						t.Errorf("related %v, want %v", got, want)
					}
				}},
			{name: "an article without tags relates by category", method: "GET", path: "/api/v1/articles/khac-han", want: 200,
				fields: map[string]any{"data.related.0.slug": "cung-the"}},
		})

		// An article related by a tag only leaves the box when it leaves public view, and a
		// scheduled one enters it at its time, with no write: the tag's index follows both.
		related := func() []string {
			t.Helper()
			var got []string
			for _, r := range decode[publicArticleResponse](t, ts.do("GET", "/api/v1/articles/bai-chinh", nil, "", nil)).Data.Related {
				got = append(got, r.Slug)
			}
			return got
		}
		byCategory := []string{"cung-chuyen-muc-3", "cung-chuyen-muc-2", "cung-chuyen-muc-1", "cung-chuyen-muc-0"}
		ts.act(sameTag.ID, "unpublish", nil)
		if got, want := related(), append(slices.Clone(byCategory), "cung-chuyen-muc-cu"); !slices.Equal(got, want) {
			t.Errorf("after unpublishing the tag's article: related %v, want %v", got, want)
		}
		later := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ cùng thẻ", "category_id": photos, "tags": []string{"Đại hội"}})
		ts.act(later.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})
		if got := related(); slices.Contains(got, "hen-gio-cung-the") {
			t.Errorf("a scheduled article is related before its time: %v", got)
		}
		jump(2 * time.Hour)
		if got, want := related(), append([]string{"hen-gio-cung-the"}, byCategory...); !slices.Equal(got, want) {
			t.Errorf("at its time: related %v, want %v", got, want)
		}
		ts.act(later.ID, "archive", nil)
		if got := related(); slices.Contains(got, "hen-gio-cung-the") {
			t.Errorf("an archived article is still related: %v", got)
		}
	})
}

func TestPublicCachingAndConditionalGets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Có bộ nhớ đệm", "category_id": cat, "tags": []string{"Đệm"}})
		for _, path := range []string{"/api/v1/articles", "/api/v1/articles/co-bo-nho-dem", "/api/v1/categories", "/api/v1/categories/tin-moi", "/api/v1/tags"} {
			t.Run(path, func(t *testing.T) {
				first := ts.do("GET", path, nil, "", map[string]string{"Accept-Encoding": "gzip"})
				if first.Code != 200 {
					t.Fatalf("%d %s", first.Code, first.Body)
				}
				wantPublicCaching(t, first)
				etag := first.Header().Get("ETag")
				if len(etag) < 3 || etag[0] != '"' {
					t.Errorf("ETag %q is not a strong tag", etag)
				}
				again := ts.do("GET", path, nil, "", map[string]string{"If-None-Match": etag})
				if again.Code != 304 || again.Body.Len() != 0 {
					t.Errorf("If-None-Match: %d with %d bytes, want an empty 304", again.Code, again.Body.Len())
				}
				if again.Header().Get("ETag") != etag {
					t.Errorf("304 ETag %q, want %q", again.Header().Get("ETag"), etag)
				}
				stale := ts.do("GET", path, nil, "", map[string]string{"If-None-Match": `"stale"`})
				if stale.Code != 200 {
					t.Errorf("stale If-None-Match: %d", stale.Code)
				}
			})
		}
	})
}

// A public read runs a small, fixed number of queries, whatever its page size and however big
// the archive: relations are loaded once per page, not once per article; categories and authors'
// names come from the store's memo, and so do the totals of lists (no count over the archive per
// request). The figures are of a warm memo, as a running server has it: the first read after a
// write may run a few more (it reads the memo's values again).
func TestPublicReadsRunFewQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		parent := ts.createCategory("Tin tức", 0)
		child := ts.createCategory("Tin mới", parent)
		other := ts.createCategory("Tin ảnh", 0)
		published := 0
		publish := func(n int) {
			for range n {
				i := published
				published++
				body := map[string]any{"title": fmt.Sprintf("Bài %d", i), "category_id": child, "tags": []string{"Một", fmt.Sprintf("Thẻ %d", i)}}
				if i%3 == 1 {
					body["category_id"] = other
				}
				if i%2 == 0 {
					body["cover_media_id"] = ts.newMedia(fmt.Sprintf("anh-%d.jpg", i))
				}
				ts.published(body)
			}
		}
		publish(55)
		var statements []string
		var mu sync.Mutex
		record := func(d *gorm.DB) {
			if !d.DryRun {
				mu.Lock()
				statements = append(statements, d.Statement.SQL.String())
				mu.Unlock()
			}
		}
		cb := db.Callback()
		_ = cb.Query().After("gorm:query").Register("test:record", record)
		_ = cb.Row().After("gorm:row").Register("test:record", record)
		_ = cb.Raw().After("gorm:raw").Register("test:record", record)
		// run reads path twice and returns the statements of the second (warm) read.
		run := func(path, as string) []string {
			t.Helper()
			for range 2 {
				mu.Lock()
				statements = nil
				mu.Unlock()
				if res := ts.do("GET", path, nil, as, nil); res.Code != 200 {
					t.Fatalf("%s: %d %s", path, res.Code, res.Body)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(statements)
		}
		slug := decode[publicArticleListResponse](t, ts.do("GET", "/api/v1/articles?category=tin-moi&tag=mot&per_page=1", nil, "", nil)).Data[0].Slug
		// The budgets: a list is its articles, their covers and their tags; an article is itself,
		// its cover, its tags, its related articles (one query for all sources), their covers and
		// their tags.
		budgets := []struct {
			path string
			want int
		}{
			{"/api/v1/articles?per_page=5", 3},
			{"/api/v1/articles?per_page=50", 3},
			{"/api/v1/articles?per_page=5&category=tin-tuc&tag=mot", 3},
			{"/api/v1/articles?per_page=20&category=tin-tuc&page=2", 3},
			{"/api/v1/articles?per_page=20&sort=-view_count", 3},
			{"/api/v1/articles?per_page=50&sort=-view_count&period=week", 3},
			{"/api/v1/articles/" + slug, 6},
			// Categories and their public counts, and a tag's page, come from the memo.
			{"/api/v1/categories", 0},
			{"/api/v1/categories/tin-tuc", 0},
			{"/api/v1/tags/mot", 0},
		}
		measure := func() map[string]int {
			t.Helper()
			got := map[string]int{}
			for _, b := range budgets {
				stmts := run(b.path, "")
				got[b.path] = len(stmts)
				if len(stmts) > b.want {
					t.Errorf("%s: %d queries, want at most %d:\n%s", b.path, len(stmts), b.want, strings.Join(stmts, "\n"))
				}
				for _, q := range stmts {
					if strings.Contains(strings.ToLower(q), "count(") {
						t.Errorf("%s counts on every request: %s", b.path, q)
					}
				}
			}
			return got
		}
		small := measure()
		publish(60) // the archive more than doubles
		if large := measure(); !maps.Equal(small, large) {
			t.Errorf("queries per read grew with the archive: %v, then %v", small, large)
		}

		first := decode[publicArticleListResponse](t, ts.do("GET", "/api/v1/articles?per_page=2", nil, "", nil))
		if small, large := len(run("/api/v1/articles?per_page=5&cursor="+first.Meta.Pagination.NextCursor, "")),
			len(run("/api/v1/articles?per_page=50&cursor="+first.Meta.Pagination.NextCursor, "")); small != large {
			t.Errorf("cursor: %d queries for 5 articles, %d for 50", small, large)
		}
		if small, large := len(run("/api/v1/admin/articles?per_page=5", "editor")),
			len(run("/api/v1/admin/articles?per_page=50", "editor")); small != large {
			t.Errorf("editorial list: %d queries for 5 articles, %d for 50", small, large)
		}
	})
}
