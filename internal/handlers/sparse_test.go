package handlers

import (
	"maps"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// keysOf is the sorted keys of a JSON object.
func keysOf(v any) []string {
	return slices.Sorted(maps.Keys(v.(map[string]any)))
}

// wantSparse checks that an answer with fields= is sent as the sparse media type.
func wantSparse(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	if ct := res.Header().Get("Content-Type"); ct != sparseMediaType {
		t.Errorf("Content-Type %q, want %q", ct, sparseMediaType)
	}
}

// wantItemKeys checks that every item of a list answer carries exactly the keys.
func wantItemKeys(keys ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		wantSparse(t, res)
		body := decode[map[string]any](t, res)
		if !slices.Equal(keysOf(body), []string{"data", "meta"}) {
			t.Errorf("top level %v, want data and meta", keysOf(body))
		}
		items := body["data"].([]any)
		if len(items) == 0 {
			t.Fatal("no items")
		}
		for _, item := range items {
			if got := keysOf(item); !slices.Equal(got, keys) {
				t.Errorf("item keys %v, want %v", got, keys)
			}
		}
	}
}

func idsPath(ids ...int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "/api/v1/articles?ids=" + strings.Join(s, ",")
}

func TestPublicArticlesByID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		first := ts.published(map[string]any{"title": "Tin thứ nhất", "category_id": cat, "tags": []string{"Đại hội"}})
		second := ts.published(map[string]any{"title": "Tin thứ hai", "category_id": cat})
		third := ts.published(map[string]any{"title": "Tin thứ ba", "category_id": cat})
		draft := ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": cat})
		archived := ts.published(map[string]any{"title": "Đã lưu trữ", "category_id": cat})
		ts.act(archived.ID, "archive", nil)
		scheduled := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ", "category_id": cat})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})

		hundred := make([]int64, 100)
		for i := range hundred {
			hundred[i] = int64(i + 1)
		}
		ts.run([]scenario{
			{name: "the public ones, in the order asked, once each", method: "GET",
				path: idsPath(second.ID, draft.ID, first.ID, scheduled.ID, 999999, archived.ID, second.ID), want: 200,
				fields: map[string]any{"data.0.id": second.ID, "data.1.id": first.ID, "data.1.tags.0.slug": "dai-hoi",
					"meta.pagination.total": 2, "meta.pagination.page": 1, "meta.pagination.next": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantPublicCaching(t, res)
					if ct := res.Header().Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type %q without fields", ct)
					}
					if n := len(decode[publicArticleListResponse](t, res).Data); n != 2 {
						t.Errorf("%d items, want 2", n)
					}
				}},
			{name: "none public is an empty batch", method: "GET", path: idsPath(draft.ID, scheduled.ID), want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "a batch with sparse fields", method: "GET", path: idsPath(third.ID, first.ID) + "&fields=id,slug", want: 200,
				fields: map[string]any{"data.0.id": third.ID, "data.1.slug": first.Slug}, check: wantItemKeys("id", "slug")},
			{name: "100 ids are allowed", method: "GET", path: idsPath(hundred...), want: 200},
			{name: "101 ids are 400", method: "GET", path: idsPath(append(hundred, 101)...), want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
			{name: "a word is 400", method: "GET", path: "/api/v1/articles?ids=1,hai", want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
			{name: "zero is 400", method: "GET", path: "/api/v1/articles?ids=0", want: 400, fields: map[string]any{"errors.0.field": "ids"}},
			{name: "empty is 400", method: "GET", path: "/api/v1/articles?ids=", want: 400, fields: map[string]any{"errors.0.field": "ids"}},
			{name: "with page is 400", method: "GET", path: idsPath(first.ID) + "&page=2", want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
			{name: "with q is 400", method: "GET", path: idsPath(first.ID) + "&q=tin", want: 400, fields: map[string]any{"errors.0.field": "ids"}},
			{name: "with sort is 400", method: "GET", path: idsPath(first.ID) + "&sort=-view_count", want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
			{name: "with cursor is 400", method: "GET", path: idsPath(first.ID) + "&cursor=abc", want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
			{name: "with category is 400", method: "GET", path: idsPath(first.ID) + "&category=tin-moi", want: 400,
				fields: map[string]any{"errors.0.field": "ids"}},
		})

		// One query for the rows, then the relations: as many queries for three ids as for one.
		reads, _ := countQueries(db)
		count := func(path string) int64 {
			t.Helper()
			before := reads.Load()
			if res := ts.do("GET", path, nil, "", nil); res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return reads.Load() - before
		}
		count(idsPath(first.ID, second.ID, third.ID)) // the memo filled
		if one, three := count(idsPath(first.ID)), count(idsPath(first.ID, second.ID, third.ID)); one != three {
			t.Errorf("one id ran %d queries, three ran %d", one, three)
		}

		jump(2 * time.Hour)
		ts.run([]scenario{
			{name: "the scheduled article joins at its time", method: "GET", path: idsPath(scheduled.ID, first.ID), want: 200,
				fields: map[string]any{"data.0.id": scheduled.ID, "data.1.id": first.ID, "meta.pagination.total": 2}},
		})
	})
}

func TestSparseFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Tin có ảnh", "category_id": cat, "tags": []string{"Đại hội"},
			"cover_media_id": ts.newMedia("anh.jpg"), "body": "<p>Thân bài</p>"})
		ts.published(map[string]any{"title": "Tin cùng mục", "category_id": cat})
		path := "/api/v1/articles/" + a.Slug
		ts.run([]scenario{
			{name: "list: only the fields asked", method: "GET", path: "/api/v1/articles?fields=id,slug,title,cover,published_at", want: 200,
				fields: map[string]any{"data.1.cover.url": "http://localhost:8080/media/anh.jpg", "meta.pagination.total": 2},
				check:  wantItemKeys("cover", "id", "published_at", "slug", "title")},
			{name: "list: with filters and pages", method: "GET", path: "/api/v1/articles?fields=title&per_page=1&page=2", want: 200,
				fields: map[string]any{"data.0.title": "Tin có ảnh"}, check: wantItemKeys("title")},
			{name: "list: a repeated name once", method: "GET", path: "/api/v1/articles?fields=id,id", want: 200, check: wantItemKeys("id")},
			{name: "list: an unknown field is 400 naming it", method: "GET", path: "/api/v1/articles?fields=id,nope", want: 400,
				fields: map[string]any{"errors.0.field": "fields"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if !strings.Contains(res.Body.String(), `\"nope\"`) {
						t.Errorf("the error does not name the field: %s", res.Body)
					}
				}},
			{name: "list: body is not an item field", method: "GET", path: "/api/v1/articles?fields=id,body", want: 400,
				fields: map[string]any{"errors.0.field": "fields"}},
			{name: "list: empty is 400", method: "GET", path: "/api/v1/articles?fields=", want: 400, fields: map[string]any{"errors.0.field": "fields"}},
			{name: "detail: only the fields asked", method: "GET", path: path + "?fields=id,body,seo", want: 200,
				fields: map[string]any{"data.id": a.ID, "data.body": "<p>Thân bài</p>", "data.seo.title": "Tin có ảnh"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantPublicCaching(t, res)
					wantSparse(t, res)
					if got := keysOf(decode[map[string]any](t, res)["data"]); !slices.Equal(got, []string{"body", "id", "seo"}) {
						t.Errorf("fields %v", got)
					}
				}},
			{name: "detail: related when asked", method: "GET", path: path + "?fields=related", want: 200,
				fields: map[string]any{"data.related.0.title": "Tin cùng mục", "data.related.0.category.slug": "tin-moi"}},
			{name: "detail: an unknown field is 400", method: "GET", path: path + "?fields=titel", want: 400,
				fields: map[string]any{"errors.0.field": "fields"}},
			{name: "detail: an unknown parameter is still 400", method: "GET", path: path + "?page=1", want: 400,
				fields: map[string]any{"errors.0.field": "page"}},
		})

		get := func(path string) *httptest.ResponseRecorder {
			t.Helper()
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return res
		}
		idTitle, titleID, idSlug, all := get("/api/v1/articles?fields=id,title"), get("/api/v1/articles?fields=title,id"),
			get("/api/v1/articles?fields=id,slug"), get("/api/v1/articles")
		if idTitle.Body.String() != titleID.Body.String() || idTitle.Header().Get("ETag") != titleID.Header().Get("ETag") {
			t.Errorf("the same fields in another order answer another body or ETag")
		}
		etags := map[string]bool{}
		for _, res := range []*httptest.ResponseRecorder{idTitle, idSlug, all, get(path), get(path + "?fields=id,title")} {
			etags[res.Header().Get("ETag")] = true
		}
		if len(etags) != 5 {
			t.Errorf("ETags of different fields coincide: %v", etags)
		}
		if res := ts.do("GET", "/api/v1/articles?fields=id,slug", nil, "", map[string]string{"If-None-Match": idTitle.Header().Get("ETag")}); res.Code != 200 {
			t.Errorf("another fields' ETag answered %d", res.Code)
		}
	})
}

// Sparse responses are cached per fields: a hit for the same fields, a miss for others, and a
// write purges them as any list.
func TestSparseFieldsCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.setClock(testdb.NewClock(testdb.Epoch).Now)
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Tin thứ nhất", "category_id": cat})
		ts.withCache(time.Hour)
		reads, _ := countQueries(db)
		get := func(path string) (string, int64) {
			t.Helper()
			before := reads.Load()
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return res.Body.String(), reads.Load() - before
		}
		for _, path := range []string{"/api/v1/articles?fields=id,title", "/api/v1/articles/" + a.Slug + "?fields=id,title", idsPath(a.ID) + "&fields=title"} {
			body, misses := get(path)
			if misses == 0 {
				t.Fatalf("first GET %s ran no query", path)
			}
			if again, n := get(path); again != body || n != 0 {
				t.Errorf("second GET %s ran %d queries or changed", path, n)
			}
		}
		slugBody, n := get("/api/v1/articles?fields=id,slug")
		if n == 0 || !strings.Contains(slugBody, `"slug"`) || strings.Contains(slugBody, `"title"`) {
			t.Errorf("other fields answered from the cache (%d queries): %s", n, slugBody)
		}
		if res := ts.do("PATCH", articlePath(a.ID), map[string]any{"title": "Tin đã sửa"}, "editor", ifMatch(a.Version)); res.Code != 200 {
			t.Fatalf("edit: %d %s", res.Code, res.Body)
		}
		if body, _ := get("/api/v1/articles?fields=id,title"); !strings.Contains(body, "Tin đã sửa") {
			t.Errorf("an edit did not purge the sparse list: %s", body)
		}
		if body, _ := get(idsPath(a.ID) + "&fields=title"); !strings.Contains(body, "Tin đã sửa") {
			t.Errorf("an edit did not purge the batch: %s", body)
		}
	})
}
