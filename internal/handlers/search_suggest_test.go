package handlers

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// Search-as-you-type completes a folded prefix with tags, then the newest published titles, at
// most 8; drafts, scheduled and trashed articles never appear.
func TestSearchSuggest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := testdb.NewClock(testNow)
		ts := newTestServerAt(t, db, clock.Now).withUsers()
		cat := ts.createCategory("Thời sự", 0)
		law := ts.published(map[string]any{"title": "Quốc hội thông qua Luật Đất đai", "category_id": cat, "tags": []string{"Quốc hội"}})
		for i := range 9 {
			clock.Set(testNow.Add(time.Duration(i+1) * time.Minute))
			ts.published(map[string]any{"title": fmt.Sprintf("Quốc hội họp phiên thứ %d", i+1), "category_id": cat})
		}
		ts.published(map[string]any{"title": "Quốc tế Lao động 1/5", "category_id": cat})
		ts.published(map[string]any{"title": "Tin vắn buổi sáng", "category_id": cat})
		ts.published(map[string]any{"title": "Tình nguyện viên mùa hè", "category_id": cat})
		ts.published(map[string]any{"title": "Tín dụng chính sách", "category_id": cat})
		ts.newArticle("editor", map[string]any{"title": "Quốc hội dự thảo nháp", "category_id": cat, "tags": []string{"Quốc phòng"}})
		scheduled := ts.newArticle("editor", map[string]any{"title": "Quốc hội họp kín", "category_id": cat})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": clock.Now().Add(time.Hour).Truncate(time.Second)})
		trashed := ts.published(map[string]any{"title": "Quốc hội bài đã xoá", "category_id": cat})
		if res := ts.do("DELETE", fmt.Sprintf("/api/v1/admin/articles/%d", trashed.ID), nil, "editor", ifMatch(trashed.Version)); res.Code != 204 {
			t.Fatalf("trash: %d %s", res.Code, res.Body)
		}
		hidden := func(t *testing.T, res *httptest.ResponseRecorder) {
			for _, title := range []string{"nháp", "họp kín", "đã xoá", "Quốc phòng"} {
				if strings.Contains(res.Body.String(), title) {
					t.Errorf("suggests %q: %s", title, res.Body)
				}
			}
		}
		count := func(n int) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				hidden(t, res)
				if got := len(decode[suggestResponse](t, res).Data); got != n {
					t.Errorf("%d suggestions, want %d: %s", got, n, res.Body)
				}
			}
		}
		path := func(q string) string { return "/api/v1/search/suggest?q=" + url.QueryEscape(q) }
		ts.run([]scenario{
			{name: "folded prefix, tags first, then newest titles, at most 8", method: "GET", path: path("quoc h"), want: 200,
				fields: map[string]any{"data.0.type": "tag", "data.0.title": "Quốc hội", "data.0.slug": "quoc-hoi",
					"data.1.type": "article", "data.1.title": "Quốc hội họp phiên thứ 9", "data.7.title": "Quốc hội họp phiên thứ 3"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					count(8)(t, res)
					keys := res.Header().Get("Surrogate-Key")
					if res.Header().Get("ETag") == "" || !strings.HasPrefix(res.Header().Get("Cache-Control"), "public") ||
						!strings.Contains(keys, "articles") || !strings.Contains(keys, "tags") || res.Header().Get("Cache-Tag") == "" {
						t.Errorf("public caching headers missing: %v", res.Header())
					}
				}},
			{name: "with diacritics, a longer prefix", method: "GET", path: path("Quốc hội thông"), want: 200,
				fields: map[string]any{"data.0.type": "article", "data.0.id": law.ID, "data.0.slug": law.Slug}, check: count(1)},
			{name: "upper case", method: "GET", path: path("QUOC TE"), want: 200,
				fields: map[string]any{"data.0.title": "Quốc tế Lao động 1/5"}, check: count(1)},
			{name: "a tag only a draft carries, no article", method: "GET", path: path("quoc p"), want: 200, check: count(0)},
			{name: "a word's start", method: "GET", path: path("tin"), want: 200, check: count(3)},
			{name: "one letter, newest first", method: "GET", path: path("T"), want: 200,
				fields: map[string]any{"data.0.title": "Tín dụng chính sách", "data.2.title": "Tin vắn buổi sáng"}, check: count(3)},
			{name: "a finished word, within a title", method: "GET", path: path("tin "), want: 200,
				fields: map[string]any{"data.0.title": "Tín dụng chính sách", "data.1.title": "Tin vắn buổi sáng"}, check: count(2)},
			{name: "a finished word, ending the title", method: "GET", path: path("Tin vắn buổi sáng,"), want: 200,
				fields: map[string]any{"data.0.title": "Tin vắn buổi sáng"}, check: count(1)},
			{name: "missing q", method: "GET", path: "/api/v1/search/suggest", want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "empty q", method: "GET", path: path(""), want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "blank q", method: "GET", path: path("   "), want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "q of punctuation only", method: "GET", path: path("?!…"), want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "q too long", method: "GET", path: path(strings.Repeat("ă", 101)), want: 400, fields: map[string]any{"errors.0.field": "q"}},
			{name: "q of 100 characters", method: "GET", path: path(strings.Repeat("ă", 100)), want: 200, check: count(0)},
			{name: "unknown parameter", method: "GET", path: path("quoc") + "&limit=3", want: 400, fields: map[string]any{"errors.0.field": "limit"}},
		})
		first := ts.do("GET", path("quoc h"), nil, "", nil)
		again := ts.do("GET", path("quoc h"), nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")})
		if again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d with %d bytes", again.Code, again.Body.Len())
		}

		// Cached, and purged by a publication.
		ts.withCache(time.Hour)
		if res := ts.do("GET", path("quoc hoi m"), nil, "", nil); !strings.Contains(res.Body.String(), `"data":[]`) {
			t.Fatalf("before: %s", res.Body)
		}
		fresh := ts.published(map[string]any{"title": "Quốc hội mở phiên chất vấn", "category_id": cat})
		if res := ts.do("GET", path("quoc hoi m"), nil, "", nil); !strings.Contains(res.Body.String(), fresh.Slug) {
			t.Errorf("a cached suggestion outlived a publication: %s", res.Body)
		}
	})
}
