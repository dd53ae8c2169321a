package handlers

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// Every slug a published article or a category had keeps leading to it, in one hop; a slug is
// never given to another article; a draft's old slugs lead nowhere.
func TestOldSlugsRedirect(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.withCache(60e9) // a kept answer must go when the slug moves again
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Ký kết quy chế", "category_id": cat})
		rename := func(id int64, version int, slug string) {
			t.Helper()
			if res := ts.do("PATCH", articlePath(id), map[string]any{"slug": slug}, "editor", ifMatch(version)); res.Code != 200 {
				t.Fatalf("rename to %s: %d %s", slug, res.Code, res.Body)
			}
		}
		movedTo := func(slug string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				if got := res.Header().Get("Location"); got != "/api/v1/articles/"+slug {
					t.Errorf("Location %q, want /api/v1/articles/%s", got, slug)
				}
				if got := res.Header().Get("Surrogate-Key"); got != fmt.Sprintf("article-%d", a.ID) {
					t.Errorf("Surrogate-Key %q", got)
				}
			}
		}
		// Read once so that the cache holds the answers the renames must purge.
		ts.do("GET", "/api/v1/redirects?path=/articles/ky-ket-quy-che", nil, "", nil)
		rename(a.ID, a.Version, "quy-che-phoi-hop")
		ts.do("GET", "/api/v1/redirects?path=/articles/ky-ket-quy-che", nil, "", nil)
		rename(a.ID, a.Version+1, "quy-che-phoi-hop-2026")
		draft := ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": cat, "slug": "ban-nhap-cu"})
		rename(draft.ID, draft.Version, "ban-nhap-moi")

		ts.run([]scenario{
			{name: "the first slug leads to the current one in one hop", method: "GET", path: "/api/v1/articles/ky-ket-quy-che", want: 301,
				fields: map[string]any{"data.type": "article", "data.slug": "quy-che-phoi-hop-2026",
					"data.path": "/api/v1/articles/quy-che-phoi-hop-2026", "data.site_path": "/articles/quy-che-phoi-hop-2026"},
				check: movedTo("quy-che-phoi-hop-2026")},
			{name: "so does the second", method: "GET", path: "/api/v1/articles/quy-che-phoi-hop", want: 301,
				check: movedTo("quy-che-phoi-hop-2026")},
			{name: "the current slug is the article", method: "GET", path: "/api/v1/articles/quy-che-phoi-hop-2026", want: 200,
				fields: map[string]any{"data.id": a.ID}},
			{name: "a draft's old slug leads nowhere", method: "GET", path: "/api/v1/articles/ban-nhap-cu", want: 404},
			{name: "the lookup of a moved site path", method: "GET", path: "/api/v1/redirects?path=/articles/ky-ket-quy-che", want: 200,
				fields: map[string]any{"data.status": 301, "data.path": "/articles/quy-che-phoi-hop-2026",
					"data.api_path": "/api/v1/articles/quy-che-phoi-hop-2026", "data.type": "article"}},
			{name: "the lookup of an API path", method: "GET", path: "/api/v1/redirects?path=/api/v1/articles/quy-che-phoi-hop%3Futm_source%3Dzalo", want: 200,
				fields: map[string]any{"data.status": 301, "data.path": "/articles/quy-che-phoi-hop-2026"}},
			{name: "the lookup of a current path", method: "GET", path: "/api/v1/redirects?path=/articles/quy-che-phoi-hop-2026", want: 200,
				fields: map[string]any{"data.status": 200, "data.path": "/articles/quy-che-phoi-hop-2026"}},
			{name: "the lookup of nothing", method: "GET", path: "/api/v1/redirects?path=/articles/khong-co", want: 404},
			{name: "the lookup of a draft's old slug", method: "GET", path: "/api/v1/redirects?path=/articles/ban-nhap-cu", want: 404},
			{name: "a path is required", method: "GET", path: "/api/v1/redirects", want: 400, fields: map[string]any{"errors.0.field": "path"}},
			{name: "a path of another kind", method: "GET", path: "/api/v1/redirects?path=/tags/dai-hoi", want: 400, fields: map[string]any{"errors.0.field": "path"}},
		})

		// An old slug is never given to another article, by title or by hand.
		other := ts.published(map[string]any{"title": "Ký kết quy chế", "category_id": cat})
		if other.Slug == "ky-ket-quy-che" {
			t.Errorf("a new article got another article's old slug %s", other.Slug)
		}
		if res := ts.do("PATCH", articlePath(other.ID), map[string]any{"slug": "quy-che-phoi-hop"}, "editor", ifMatch(other.Version)); res.Code != 409 {
			t.Errorf("taking another article's old slug by hand: %d %s", res.Code, res.Body)
		}
		// Taking back its own old slug makes it current again, and the newer one leads to it.
		current := decode[editorialArticleResponse](t, ts.do("GET", articlePath(a.ID), nil, "editor", nil)).Data
		rename(a.ID, current.Version, "ky-ket-quy-che")
		ts.run([]scenario{
			{name: "its own old slug, taken back, is the article", method: "GET", path: "/api/v1/articles/ky-ket-quy-che", want: 200,
				fields: map[string]any{"data.id": a.ID}},
			{name: "and the slug it left leads to it", method: "GET", path: "/api/v1/articles/quy-che-phoi-hop-2026", want: 301,
				fields: map[string]any{"data.slug": "ky-ket-quy-che"}},
		})

		// Categories: every slug they had.
		c := decode[adminCategoryResponse](t, ts.do("GET", fmt.Sprintf("/api/v1/admin/categories/%d", cat), nil, "editor", nil)).Data
		if res := ts.do("PATCH", fmt.Sprintf("/api/v1/admin/categories/%d", cat), map[string]any{"slug": "tin-tuc-moi"}, "editor", ifMatch(c.Version)); res.Code != 200 {
			t.Fatalf("category rename: %d %s", res.Code, res.Body)
		}
		ts.run([]scenario{
			{name: "a category's old slug", method: "GET", path: "/api/v1/categories/tin-moi", want: 301,
				fields: map[string]any{"data.type": "category", "data.slug": "tin-tuc-moi", "data.path": "/api/v1/categories/tin-tuc-moi"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if got := res.Header().Get("Location"); got != "/api/v1/categories/tin-tuc-moi" {
						t.Errorf("Location %q", got)
					}
				}},
			{name: "the lookup of a category's old path", method: "GET", path: "/api/v1/redirects?path=/categories/tin-moi", want: 200,
				fields: map[string]any{"data.status": 301, "data.path": "/categories/tin-tuc-moi"}},
			{name: "an unknown category", method: "GET", path: "/api/v1/categories/khong-co", want: 404},
		})
	})
}
