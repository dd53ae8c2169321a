package handlers

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// trash moves an article to the trash as the role, at its version, and returns it as read after.
func (ts *testServer) trash(a editorialArticle, as string) editorialArticle {
	ts.t.Helper()
	if res := ts.do("DELETE", articlePath(a.ID), nil, as, ifMatch(a.Version)); res.Code != 204 {
		ts.t.Fatalf("trash article %d: %d %s", a.ID, res.Code, res.Body)
	}
	return decode[editorialArticleResponse](ts.t, ts.do("GET", articlePath(a.ID), nil, "editor", nil)).Data
}

// A published article moved to the trash is gone from every public read at once, through the
// response cache (the purge drops its pages, lists and counts): detail, lists, search, feed,
// sitemap, the related box of another article, its old slug and the redirect lookup, and its
// preview link. (Its article.unpublished, status trashed: TestWebhookEventsOfEachKind.)
func TestTrashedArticleIsGoneEverywherePublic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Hội nghị phản biện xã hội", "category_id": cat, "tags": []string{"Phản biện"}})
		res := ts.do("PATCH", articlePath(a.ID), map[string]any{"slug": "hoi-nghi-phan-bien"}, "editor", ifMatch(a.Version))
		if res.Code != 200 {
			t.Fatalf("new slug: %d %s", res.Code, res.Body)
		}
		a = decode[editorialArticleResponse](t, res).Data
		other := ts.published(map[string]any{"title": "Tin cùng chuyên mục", "category_id": cat, "tags": []string{"Phản biện"}})
		res = ts.do("POST", articlePath(a.ID, "/preview"), nil, "editor", nil)
		if res.Code != 200 {
			t.Fatalf("preview: %d %s", res.Code, res.Body)
		}
		preview := "/api/v1/preview/articles/" + decode[previewLinkResponse](t, res).Data.Token
		ts.withCache(time.Minute)

		reads := []struct {
			name, path string
			before     int
			shows      func(body string) bool // whether the body shows the article
		}{
			{"detail", "/api/v1/articles/hoi-nghi-phan-bien", 200, nil},
			{"old slug", "/api/v1/articles/hoi-nghi-phan-bien-xa-hoi", 301, nil},
			{"redirect lookup", "/api/v1/redirects?path=/articles/hoi-nghi-phan-bien-xa-hoi", 200, nil},
			{"preview", preview, 200, nil},
			{"list", "/api/v1/articles", 200, showing("hoi-nghi-phan-bien")},
			{"category list", "/api/v1/articles?category=tin-moi", 200, showing("hoi-nghi-phan-bien")},
			{"tag list", "/api/v1/articles?tag=phan-bien", 200, showing("hoi-nghi-phan-bien")},
			{"list total", "/api/v1/articles", 200, showing(`"total":2`)},
			{"tag count", "/api/v1/tags", 200, showing(`"article_count":2`)},
			{"search", "/api/v1/search?q=phản+biện+xã+hội", 200, showing("hoi-nghi-phan-bien")},
			{"feed", "/feeds/rss.xml", 200, showing("hoi-nghi-phan-bien")},
			{"category feed", "/feeds/rss.xml?category=tin-moi", 200, showing("hoi-nghi-phan-bien")},
			{"sitemap", "/sitemap.xml", 200, showing("hoi-nghi-phan-bien")},
			{"related", "/api/v1/articles/" + other.Slug, 200, showing("hoi-nghi-phan-bien")},
		}
		for _, r := range reads {
			res := ts.do("GET", r.path, nil, "", nil)
			if res.Code != r.before || (r.shows != nil && !r.shows(res.Body.String())) {
				t.Fatalf("before the trash, %s: %d %s", r.name, res.Code, res.Body)
			}
		}
		trashed := ts.trash(a, "editor")
		if trashed.Status != models.StatusDraft || trashed.PublishedAt != nil || trashed.TrashedAt == nil || *trashed.TrashedByID != ts.ids["editor"] {
			t.Errorf("trashed: %s, published %v, trashed %v by %v", trashed.Status, trashed.PublishedAt, trashed.TrashedAt, trashed.TrashedByID)
		}
		for _, r := range reads {
			res := ts.do("GET", r.path, nil, "", nil)
			if r.shows == nil && res.Code != 404 {
				t.Errorf("trashed, %s: %d, want 404; %s", r.name, res.Code, res.Body)
			}
			if r.shows != nil && (res.Code != 200 || r.shows(res.Body.String())) {
				t.Errorf("trashed, %s still shows it: %d %s", r.name, res.Code, res.Body)
			}
		}
	})
}

func showing(part string) func(string) bool {
	return func(body string) bool { return strings.Contains(body, part) }
}

// The trash through the router: who may restore and delete for good, what an article in the
// trash refuses, the editorial views of it, and its slug kept.
func TestArticleTrashRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Bài đã đăng", "category_id": cat})
		mine := ts.newArticle("author", map[string]any{"title": "Bản nháp của tôi", "category_id": cat})
		kept := ts.newArticle("editor", map[string]any{"title": "Bài ngoài thùng rác", "category_id": cat})
		a = ts.trash(a, "editor") // version 3: created, published, trashed
		mine = ts.trash(mine, "author")
		ts.run([]scenario{
			{name: "an editor reads it with trashed_at", method: "GET", path: articlePath(a.ID), as: "editor", want: 200,
				fields: map[string]any{"data.status": "draft", "data.published_at": nil, "data.version": 3}},
			{name: "the editorial list leaves it out", method: "GET", path: "/api/v1/admin/articles", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": kept.ID, "data.0.trashed_at": nil}},
			{name: "the trash view lists it", method: "GET", path: "/api/v1/admin/articles?trashed=true", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "an author's trash view has only theirs", method: "GET", path: "/api/v1/admin/articles?trashed=true", as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": mine.ID}},
			{name: "trashed must be a boolean", method: "GET", path: "/api/v1/admin/articles?trashed=maybe", as: "editor", want: 400, check: wantFields("trashed")},
			{name: "no PATCH in the trash", method: "PATCH", path: articlePath(a.ID), body: map[string]any{"title": "Sửa"}, as: "editor", want: 409,
				headers: ifMatch(3), check: wantDetail("restore it first")},
			{name: "no publishing in the trash", method: "POST", path: articlePath(a.ID, "/publish"), as: "editor", want: 409, check: wantDetail("restore it first")},
			{name: "no submitting in the trash", method: "POST", path: articlePath(mine.ID, "/submit"), as: "author", want: 409, check: wantDetail("restore it first")},
			{name: "no revision restored in the trash", method: "POST", path: articlePath(a.ID, "/revisions/1/restore"), as: "editor", want: 409,
				headers: ifMatch(3), check: wantDetail("restore it first")},
			{name: "no preview link in the trash", method: "POST", path: articlePath(a.ID, "/preview"), as: "editor", want: 409},
			{name: "its slug stays its own", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 409,
				body: map[string]any{"title": "Khác", "slug": a.Slug, "category_id": cat}},
			{name: "a title like it gets another slug", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 201,
				body: map[string]any{"title": "Bài đã đăng", "category_id": cat}, fields: map[string]any{"data.slug": "bai-da-dang-2"}},
			{name: "an author cannot restore", method: "POST", path: articlePath(mine.ID, "/restore"), as: "author", want: 403, headers: ifMatch(2)},
			{name: "restoring needs If-Match", method: "POST", path: articlePath(a.ID, "/restore"), as: "editor", want: 428},
			{name: "restoring at a stale version", method: "POST", path: articlePath(a.ID, "/restore"), as: "editor", want: 412, headers: ifMatch(2)},
			{name: "an unknown article", method: "POST", path: articlePath(999, "/restore"), as: "editor", want: 404, headers: ifMatch(1)},
			{name: "an editor restores it as a draft", method: "POST", path: articlePath(a.ID, "/restore"), as: "editor", want: 200, headers: ifMatch(3),
				fields: map[string]any{"data.status": "draft", "data.trashed_at": nil, "data.trashed_by_id": nil, "data.version": 4, "data.slug": a.Slug},
				check:  wantETag(`"4"`)},
			{name: "not in the trash now", method: "POST", path: articlePath(a.ID, "/restore"), as: "editor", want: 409, headers: ifMatch(4)},
			{name: "back in the editorial list", method: "GET", path: "/api/v1/admin/articles", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 3}},
			{name: "its revisions say so", method: "GET", path: articlePath(a.ID, "/revisions"), as: "editor", want: 200,
				fields: map[string]any{"data.0.action": "untrash", "data.1.action": "trash", "meta.pagination.total": 4}},
			{name: "it can be published again", method: "POST", path: articlePath(a.ID, "/publish"), as: "editor", want: 200,
				fields: map[string]any{"data.status": "published"}},
			{name: "and is public again", method: "GET", path: "/api/v1/articles/" + a.Slug, want: 200},
			{name: "and found by search again", method: "GET", path: "/api/v1/search?q=bài+đã+đăng", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if !strings.Contains(res.Body.String(), a.Slug) {
						t.Errorf("search does not find the restored article: %s", res.Body)
					}
				}},
		})
	})
}

// The worker deletes for good, on the injected clock, what has been in the trash longer than
// TOASOAN_TRASH_RETENTION (30 days), and nothing else; the slug of a published one stays taken.
func TestTrashEmptiedAfterRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		old := ts.trash(ts.published(map[string]any{"title": "Bài cũ", "category_id": cat}), "editor")
		jump(10 * 24 * time.Hour)
		recent := ts.trash(ts.newArticle("editor", map[string]any{"title": "Bài mới xóa", "category_id": cat}), "editor")
		outside := ts.newArticle("editor", map[string]any{"title": "Bài còn", "category_id": cat})

		jump(20*24*time.Hour - time.Minute) // the old one: a minute short of 30 days
		ts.emptyTrash(t.Context())
		if res := ts.do("GET", articlePath(old.ID), nil, "editor", nil); res.Code != 200 {
			t.Fatalf("before its retention ended: %d %s", res.Code, res.Body)
		}
		jump(2 * time.Minute)
		ts.emptyTrash(t.Context())
		for _, c := range []struct {
			id   int64
			want int
		}{{old.ID, 404}, {recent.ID, 200}, {outside.ID, 200}} {
			if res := ts.do("GET", articlePath(c.id), nil, "editor", nil); res.Code != c.want {
				t.Errorf("article %d: %d, want %d", c.id, res.Code, c.want)
			}
		}
		if n := ts.auditCount("article.purge"); n != 1 {
			t.Errorf("%d article.purge audit entries, want 1", n)
		}
		res := ts.do("POST", "/api/v1/admin/articles", map[string]any{"title": "Khác", "slug": old.Slug, "category_id": cat}, "editor", nil)
		if res.Code != 409 {
			t.Errorf("the slug of a published article deleted for good was given again: %d %s", res.Code, res.Body)
		}
		jump(10 * 24 * time.Hour)
		ts.emptyTrash(t.Context())
		if res := ts.do("GET", articlePath(recent.ID), nil, "editor", nil); res.Code != 404 {
			t.Errorf("the other one after its retention: %d", res.Code)
		}
	})
}

// The editorial list's filters: category (with its sub-categories, by slug as on the public
// list), tag, and sort.
func TestEditorialArticleFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		news := ts.createCategory("Tin mới", 0)
		sub := ts.createCategory("Tin địa phương", news)
		other := ts.createCategory("Văn hóa", 0)
		b := ts.published(map[string]any{"title": "Bê tông", "category_id": sub, "tags": []string{"Xây dựng"}})
		a := ts.newArticle("editor", map[string]any{"title": "An toàn", "category_id": news})
		c := ts.published(map[string]any{"title": "Ca trù", "category_id": other, "tags": []string{"Xây dựng"}})
		ts.run([]scenario{
			{name: "by category, with its sub-categories", method: "GET", path: "/api/v1/admin/articles?category=tin-moi", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2}},
			{name: "by a sub-category", method: "GET", path: "/api/v1/admin/articles?category=tin-dia-phuong", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": b.ID}},
			{name: "an unknown category matches nothing", method: "GET", path: "/api/v1/admin/articles?category=khong-co", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "by tag", method: "GET", path: "/api/v1/admin/articles?tag=xay-dung&sort=-created_at", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": c.ID, "data.1.id": b.ID}},
			{name: "most recently changed first by default", method: "GET", path: "/api/v1/admin/articles", as: "editor", want: 200,
				fields: map[string]any{"data.0.id": c.ID, "data.1.id": a.ID, "data.2.id": b.ID}},
			{name: "by title", method: "GET", path: "/api/v1/admin/articles?sort=title", as: "editor", want: 200,
				fields: map[string]any{"data.0.id": a.ID, "data.1.id": b.ID, "data.2.id": c.ID}},
			{name: "latest published first, never published last", method: "GET", path: "/api/v1/admin/articles?sort=-published_at", as: "editor", want: 200,
				fields: map[string]any{"data.0.id": c.ID, "data.1.id": b.ID, "data.2.id": a.ID}},
			{name: "newest first", method: "GET", path: "/api/v1/admin/articles?sort=-created_at", as: "editor", want: 200,
				fields: map[string]any{"data.0.id": c.ID, "data.1.id": a.ID, "data.2.id": b.ID}},
			{name: "an unknown sort", method: "GET", path: "/api/v1/admin/articles?sort=views", as: "editor", want: 400, check: wantFields("sort")},
		})
	})
}

// A published announcement or document moved to the trash is gone from every public read at
// once, through the response cache (detail, list and its total, search, sitemap), comes back as
// a draft when restored, and the worker deletes it for good after the retention.
func TestTrashedAnnouncementsAndDocuments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		ann := ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo tiếp công dân", "body": "<p>Lịch tiếp</p>", "status": "published"})
		doc := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published"}))
		ts.withCache(time.Minute)
		reads := []struct {
			name, path string
			shows      func(string) bool // nil: the path is the item's own, 404 once trashed
		}{
			{"announcement", "/api/v1/announcements/thong-bao-tiep-cong-dan", nil},
			{"announcements", "/api/v1/announcements", showing("thong-bao-tiep-cong-dan")},
			{"announcements total", "/api/v1/announcements", showing(`"total":1`)},
			{"document", "/api/v1/documents/" + strconv.FormatInt(doc, 10), nil},
			{"documents", "/api/v1/documents", showing("05/2024/QĐ-MTTW")},
			{"documents total", "/api/v1/documents", showing(`"total":1`)},
			{"search announcement", "/api/v1/search?q=tiếp+công+dân", showing("thong-bao-tiep-cong-dan")},
			{"search document", "/api/v1/search?q=quy+chế+làm+việc", showing("05/2024/QĐ-MTTW")},
			{"sitemap", "/sitemap.xml", showing("thong-bao-tiep-cong-dan")},
		}
		for _, r := range reads {
			res := ts.do("GET", r.path, nil, "", nil)
			if res.Code != 200 || (r.shows != nil && !r.shows(res.Body.String())) {
				t.Fatalf("before the trash, %s: %d %s", r.name, res.Code, res.Body)
			}
		}
		for _, path := range []string{"/api/v1/admin/announcements/" + strconv.FormatInt(ann, 10), "/api/v1/admin/documents/" + strconv.FormatInt(doc, 10)} {
			if res := ts.do("DELETE", path, nil, "editor", ifMatch(1)); res.Code != 204 {
				t.Fatalf("trash %s: %d %s", path, res.Code, res.Body)
			}
		}
		for _, r := range reads {
			res := ts.do("GET", r.path, nil, "", nil)
			if r.shows == nil && res.Code != 404 {
				t.Errorf("trashed, %s: %d, want 404; %s", r.name, res.Code, res.Body)
			}
			if r.shows != nil && (res.Code != 200 || r.shows(res.Body.String())) {
				t.Errorf("trashed, %s still shows it: %d %s", r.name, res.Code, res.Body)
			}
		}
		// Restored, the announcement is a draft: still not public.
		res := ts.do("POST", "/api/v1/admin/announcements/"+strconv.FormatInt(ann, 10)+"/restore", nil, "editor", ifMatch(2))
		if res.Code != 200 || !strings.Contains(res.Body.String(), `"status":"draft"`) {
			t.Fatalf("restore: %d %s", res.Code, res.Body)
		}
		if res := ts.do("GET", "/api/v1/announcements/thong-bao-tiep-cong-dan", nil, "", nil); res.Code != 404 {
			t.Errorf("a restored announcement is public before it is published again: %d", res.Code)
		}
		jump(30*24*time.Hour + time.Minute)
		ts.emptyTrash(t.Context())
		if res := ts.do("GET", "/api/v1/admin/documents/"+strconv.FormatInt(doc, 10), nil, "editor", nil); res.Code != 404 {
			t.Errorf("the document after its retention: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/admin/announcements/"+strconv.FormatInt(ann, 10), nil, "editor", nil); res.Code != 200 {
			t.Errorf("the restored announcement after the retention: %d", res.Code)
		}
		if n := ts.auditCount("document.purge"); n != 1 {
			t.Errorf("%d document.purge audit entries, want 1", n)
		}
	})
}
