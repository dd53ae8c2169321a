package handlers

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// newArticle writes an article through the API as the given role and returns it.
func (ts *testServer) newArticle(as string, body map[string]any) editorialArticle {
	ts.t.Helper()
	res := ts.do("POST", "/api/v1/admin/articles", body, as, nil)
	if res.Code != 201 {
		ts.t.Fatalf("create article: %d %s", res.Code, res.Body)
	}
	return decode[editorialArticleResponse](ts.t, res).Data
}

// act runs a workflow action as an editor and returns the article.
func (ts *testServer) act(id int64, action string, body any) editorialArticle {
	ts.t.Helper()
	res := ts.do("POST", fmt.Sprintf("/api/v1/admin/articles/%d/%s", id, action), body, "editor", nil)
	if res.Code != 200 {
		ts.t.Fatalf("%s article %d: %d %s", action, id, res.Code, res.Body)
	}
	return decode[editorialArticleResponse](ts.t, res).Data
}

// newMedia stores a media item (as an upload would) for covers.
func (ts *testServer) newMedia(key string) int64 {
	ts.t.Helper()
	m := models.Media{Key: key, Name: key, Mime: "image/jpeg", Size: 1000, Width: 1200, Height: 800}
	if err := ts.db.Create(&m).Error; err != nil {
		ts.t.Fatal(err)
	}
	return m.ID
}

func ifMatch(v int) map[string]string {
	return map[string]string{"If-Match": strconv.Quote(strconv.Itoa(v))}
}

func articlePath(id int64, rest ...string) string {
	return fmt.Sprintf("/api/v1/admin/articles/%d", id) + strings.Join(rest, "")
}

func TestArticleEditing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		other := ts.createCategory("Hoạt động Mặt trận", 0)
		cover := ts.newMedia("2026/08/ky-ket.jpg")
		pdf := ts.seedMedia("quyet-dinh.pdf", "application/pdf")
		a := ts.newArticle("author", map[string]any{
			"title": "Đại hội đại biểu Mặt trận", "summary": "(Mặt trận) - Chiều ngày 23/8", "body": "<p>Nội dung</p>",
			"category_id": cat, "tags": []string{"Đại hội", "Mặt trận", "đại hội"}, "cover_media_id": cover,
			"cover_caption": "Ký kết", "byline": "Minh Anh",
		})
		path := articlePath(a.ID)

		ts.run([]scenario{
			{name: "created as a draft at version 1", method: "GET", path: path, as: "author", want: 200,
				fields: map[string]any{"data.status": "draft", "data.version": 1, "data.slug": "dai-hoi-dai-bieu-mat-tran",
					"data.slug_locked": false, "data.tags.0.slug": "dai-hoi", "data.tags.1.slug": "mat-tran", "data.author.id": ts.ids["author"],
					"data.category.slug": "tin-moi", "data.cover.url": "http://localhost:8080/media/2026/08/ky-ket.jpg",
					"data.cover.caption": "Ký kết", "data.cover.width": 1200, "data.published_at": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if got := res.Header().Get("ETag"); got != `"1"` {
						t.Errorf("ETag = %q", got)
					}
					if len(decode[editorialArticleResponse](t, res).Data.Tags) != 2 {
						t.Error("tags with the same slug were not merged")
					}
				}},
			{name: "same title gets a numbered slug", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 201,
				body:   map[string]any{"title": "Đại hội đại biểu Mặt trận", "category_id": cat},
				fields: map[string]any{"data.slug": "dai-hoi-dai-bieu-mat-tran-2"}},
			{name: "explicit slug taken", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 409,
				body: map[string]any{"title": "Khác", "slug": "dai-hoi-dai-bieu-mat-tran", "category_id": cat}},
			{name: "every bad field listed", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body:  map[string]any{"title": "", "slug": "Không Hợp Lệ", "tags": []string{"ok", " "}, "cover_media_id": 0},
				check: wantFields("title", "slug", "category_id", "tags[1]", "cover_media_id")},
			{name: "unknown category", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body: map[string]any{"title": "Tin", "category_id": 9999}, check: wantFields("category_id")},
			{name: "unknown cover", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body: map[string]any{"title": "Tin", "category_id": cat, "cover_media_id": 9999}, check: wantFields("cover_media_id")},
			{name: "a cover that is a PDF", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body: map[string]any{"title": "Tin", "category_id": cat, "cover_media_id": pdf}, check: wantFields("cover_media_id")},
			{name: "tag without letters", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body: map[string]any{"title": "Tin", "category_id": cat, "tags": []string{"!!"}}, check: wantFields("tags[0]")},
			{name: "no token", method: "POST", path: "/api/v1/admin/articles", want: 401, body: map[string]any{"title": "Tin", "category_id": cat}},

			{name: "PATCH without If-Match", method: "PATCH", path: path, as: "author", want: 428,
				body: map[string]any{"title": "Mới"}, fields: map[string]any{"code": "precondition_required",
					"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "PATCH with a malformed If-Match", method: "PATCH", path: path, as: "author", want: 400,
				body: map[string]any{"title": "Mới"}, headers: map[string]string{"If-Match": "abc"}},
			{name: "PATCH with a stale If-Match", method: "PATCH", path: path, as: "author", want: 412,
				body: map[string]any{"title": "Mới"}, headers: ifMatch(7), fields: map[string]any{"code": "version_mismatch"}},
			{name: "another author's article is invisible", method: "PATCH", path: path, as: "author2", want: 404,
				body: map[string]any{"title": "Của tôi"}, headers: ifMatch(1)},
			{name: "another author cannot read it", method: "GET", path: path, as: "author2", want: 404},
			{name: "the title of a draft moves its slug", method: "PATCH", path: path, as: "author", want: 200,
				body:    map[string]any{"title": "Ký kết Quy chế phối hợp", "tags": []string{"Quy chế"}, "cover_media_id": nil},
				headers: ifMatch(1),
				fields: map[string]any{"data.version": 2, "data.slug": "ky-ket-quy-che-phoi-hop", "data.tags.0.slug": "quy-che",
					"data.cover": nil, "data.summary": "(Mặt trận) - Chiều ngày 23/8"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if got := res.Header().Get("ETag"); got != `"2"` {
						t.Errorf("ETag = %q", got)
					}
				}},
			{name: "an explicit slug sticks", method: "PATCH", path: path, as: "author", want: 200,
				body: map[string]any{"slug": "quy-che-phoi-hop"}, headers: ifMatch(2),
				fields: map[string]any{"data.slug": "quy-che-phoi-hop", "data.slug_locked": true}},
			{name: "then the title no longer moves it", method: "PATCH", path: path, as: "author", want: 200,
				body: map[string]any{"title": "Ký kết Quy chế"}, headers: ifMatch(3),
				fields: map[string]any{"data.slug": "quy-che-phoi-hop", "data.title": "Ký kết Quy chế"}},
			{name: "weak and unquoted If-Match are tolerated", method: "PATCH", path: path, as: "author", want: 200,
				body: map[string]any{"featured": true, "category_id": other}, headers: map[string]string{"If-Match": `W/"4"`},
				fields: map[string]any{"data.featured": true, "data.category.slug": "hoat-dong-mat-tran"}},
			{name: "cover_media_id of the wrong type", method: "PATCH", path: path, as: "author", want: 400,
				body: map[string]any{"cover_media_id": "x"}, headers: ifMatch(5), fields: map[string]any{"errors.0.field": "cover_media_id"}},
			{name: "a PDF cover in a patch", method: "PATCH", path: path, as: "author", want: 422,
				body: map[string]any{"cover_media_id": pdf}, headers: ifMatch(5), check: wantFields("cover_media_id")},
			{name: "a bad patch names its fields", method: "PATCH", path: path, as: "author", want: 422,
				body: map[string]any{"title": " ", "slug": "A B", "cover_media_id": -3}, headers: ifMatch(5),
				check: wantFields("title", "slug", "cover_media_id")},

			{name: "authors list only their own", method: "GET", path: "/api/v1/admin/articles", as: "author2", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "editors list all", method: "GET", path: "/api/v1/admin/articles", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": a.ID, "data.1.slug": "dai-hoi-dai-bieu-mat-tran-2"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if strings.Contains(res.Body.String(), `"body"`) {
						t.Error("list items carry the body")
					}
				}},
			{name: "filter by author", method: "GET", path: "/api/v1/admin/articles?author=" + strconv.FormatInt(ts.ids["author"], 10), as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": a.ID}},
			{name: "filter by status", method: "GET", path: "/api/v1/admin/articles?status=pending", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "q ignores diacritics", method: "GET", path: "/api/v1/admin/articles?q=KY%20KET%20quy", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": a.ID}},
			{name: "tags were made on the fly, with counts of articles of any status", method: "GET", path: "/api/v1/admin/tags", as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "data.0.slug": "dai-hoi", "data.0.article_count": 0,
					"data.2.slug": "quy-che", "data.2.name": "Quy chế", "data.2.article_count": 1}},
			{name: "bad status", method: "GET", path: "/api/v1/admin/articles?status=live", as: "editor", want: 400,
				fields: map[string]any{"errors.0.field": "status"}},
		})
	})
}

func TestArticleBodiesAreSanitised(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		vectors := []string{
			`<script>alert(1)</script>`,
			`<img src=x onerror=alert(1)>`,
			`<a href="javascript:alert(1)">x</a>`,
			`<a href="JaVaScRiPt:alert(1)">x</a>`,
			`<a href="&#106;avascript:alert(1)">x</a>`,
			`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
			`<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>`,
			`<svg onload=alert(1)>`,
			`<iframe src="https://evil.example"></iframe>`,
			`<body onload=alert(1)>`,
		}
		body := `<h2>Tiêu đề</h2><p>Đoạn <a href="https://mattran.org.vn/">liên kết</a></p>` +
			`<figure><img src="https://mattran.org.vn/a.jpg" alt="ảnh"><figcaption>Chú thích</figcaption></figure>` +
			`<ul><li>một</li></ul><table><tr><td>ô</td></tr></table><blockquote>trích</blockquote>` + strings.Join(vectors, "")
		a := ts.newArticle("author", map[string]any{"title": "An toàn", "category_id": cat, "body": body})
		for _, bad := range []string{"<script", "onerror", "onload", "onclick", "javascript:", "data:", "style=", "<iframe", "<svg", "alert(1)"} {
			if strings.Contains(strings.ToLower(a.Body), bad) {
				t.Errorf("stored body keeps %q: %s", bad, a.Body)
			}
		}
		for _, good := range []string{"<h2>", `href="https://mattran.org.vn/"`, "<figcaption>Chú thích</figcaption>", "<li>", "<td>", "<blockquote>", `src="https://mattran.org.vn/a.jpg"`} {
			if !strings.Contains(a.Body, good) {
				t.Errorf("stored body lost %q: %s", good, a.Body)
			}
		}
		res := ts.do("PATCH", articlePath(a.ID), map[string]any{"body": `<p onmouseover="alert(1)">sửa</p>`}, "author", ifMatch(1))
		if res.Code != 200 || strings.Contains(res.Body.String(), "onmouseover") {
			t.Errorf("PATCH body not sanitised: %d %s", res.Code, res.Body)
		}
	})
}

func TestArticleWorkflow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.newArticle("author", map[string]any{"title": "Bài của phóng viên", "category_id": cat})
		b := ts.newArticle("editor", map[string]any{"title": "Bài hẹn giờ", "category_id": cat})
		future := ts.now().Add(2 * time.Hour).Truncate(time.Second)
		act := func(id int64, action string) string { return articlePath(id, "/", action) }

		ts.run([]scenario{
			{name: "authors cannot publish", method: "POST", path: act(a.ID, "publish"), as: "author", want: 403},
			{name: "archiving a draft", method: "POST", path: act(a.ID, "archive"), as: "editor", want: 409,
				fields: map[string]any{"code": "conflict", "detail": "cannot archive an article that is draft: a draft can be submitted or published"}},
			{name: "unpublishing a draft", method: "POST", path: act(a.ID, "unpublish"), as: "editor", want: 409},
			{name: "another author cannot submit it", method: "POST", path: act(a.ID, "submit"), as: "author2", want: 404},
			{name: "submit with a stale If-Match", method: "POST", path: act(a.ID, "submit"), as: "author", want: 412, headers: ifMatch(3)},
			{name: "the author submits", method: "POST", path: act(a.ID, "submit"), as: "author", want: 200, headers: ifMatch(1),
				fields: map[string]any{"data.status": "pending", "data.version": 2}},
			{name: "submitting twice", method: "POST", path: act(a.ID, "submit"), as: "author", want: 409},
			{name: "the author may still edit while pending", method: "PATCH", path: articlePath(a.ID), as: "author", want: 200,
				body: map[string]any{"title": "Bài của phóng viên đã sửa"}, headers: ifMatch(2),
				fields: map[string]any{"data.slug": "bai-cua-phong-vien-da-sua"}},
			{name: "the editor publishes", method: "POST", path: act(a.ID, "publish"), as: "editor", want: 200,
				fields: map[string]any{"data.status": "published", "data.slug_locked": true, "data.version": 4}},
			{name: "publishing twice", method: "POST", path: act(a.ID, "publish"), as: "editor", want: 409},
			{name: "the author can no longer edit it", method: "PATCH", path: articlePath(a.ID), as: "author", want: 403,
				body: map[string]any{"title": "Sửa sau khi đăng"}, headers: ifMatch(4)},
			{name: "nor delete it", method: "DELETE", path: articlePath(a.ID), as: "author", want: 403, headers: ifMatch(4)},
			{name: "but may still read it", method: "GET", path: articlePath(a.ID), as: "author", want: 200},
			{name: "a new title keeps a published slug", method: "PATCH", path: articlePath(a.ID), as: "editor", want: 200,
				body: map[string]any{"title": "Tiêu đề mới hẳn"}, headers: ifMatch(4),
				fields: map[string]any{"data.slug": "bai-cua-phong-vien-da-sua", "data.status": "published"}},
			{name: "an editor may set a new slug explicitly", method: "PATCH", path: articlePath(a.ID), as: "editor", want: 200,
				body: map[string]any{"slug": "tieu-de-moi"}, headers: ifMatch(5), fields: map[string]any{"data.slug": "tieu-de-moi"}},
			{name: "archive", method: "POST", path: act(a.ID, "archive"), as: "editor", want: 200,
				fields: map[string]any{"data.status": "archived"}},
			{name: "an archived article cannot be published", method: "POST", path: act(a.ID, "publish"), as: "editor", want: 409},
			{name: "unpublish an archived article", method: "POST", path: act(a.ID, "unpublish"), as: "editor", want: 200,
				fields: map[string]any{"data.status": "draft", "data.published_at": nil, "data.slug": "tieu-de-moi"}},

			{name: "publish_at in the past", method: "POST", path: act(b.ID, "publish"), as: "editor", want: 422,
				body: map[string]any{"publish_at": ts.now().Add(-time.Hour)}, check: wantFields("publish_at")},
			{name: "publish_at not a time", method: "POST", path: act(b.ID, "publish"), as: "editor", want: 422,
				body: map[string]any{"publish_at": "ngày mai"}, fields: map[string]any{"errors.0.field": "publish_at",
					"errors.0.message": "must be an RFC 3339 time such as 2026-08-23T14:00:00+07:00"}},
			{name: "publish_at a number", method: "POST", path: act(b.ID, "publish"), as: "editor", want: 422,
				body: map[string]any{"publish_at": 20260823}, fields: map[string]any{"errors.0.field": "publish_at",
					"errors.0.message": "must be an RFC 3339 time such as 2026-08-23T14:00:00+07:00"}},
			{name: "schedule", method: "POST", path: act(b.ID, "publish"), as: "editor", want: 200,
				body:   map[string]any{"publish_at": future},
				fields: map[string]any{"data.status": "scheduled", "data.published_at": future.In(models.NewsroomZone).Format(time.RFC3339)}},
			{name: "listed as scheduled", method: "GET", path: "/api/v1/admin/articles?status=scheduled", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": b.ID}},
			{name: "not yet listed as published", method: "GET", path: "/api/v1/admin/articles?status=published", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "cannot archive before it is out", method: "POST", path: act(b.ID, "archive"), as: "editor", want: 409},
		})

		// Once its time has come, a scheduled article is published for every purpose.
		ts.setClock(func() time.Time { return future.Add(time.Minute) })
		ts.relogin()
		ts.run([]scenario{
			{name: "due scheduled article shows as published", method: "GET", path: articlePath(b.ID), as: "editor", want: 200,
				fields: map[string]any{"data.status": "published"}},
			{name: "and is listed as published", method: "GET", path: "/api/v1/admin/articles?status=published", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": b.ID}},
			{name: "and can be archived", method: "POST", path: act(b.ID, "archive"), as: "editor", want: 200,
				fields: map[string]any{"data.status": "archived"}},
		})
	})
}

func TestArticleDeletion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers() // trashed_at is the clock's
		cat := ts.createCategory("Tin mới", 0)
		a := ts.newArticle("author", map[string]any{"title": "Sẽ xóa", "category_id": cat, "tags": []string{"Tạm"},
			"cover_media_id": ts.newMedia("tam.jpg")})
		ts.run([]scenario{
			{name: "without If-Match", method: "DELETE", path: articlePath(a.ID), as: "author", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "without If-Match, someone else's", method: "DELETE", path: articlePath(a.ID), as: "author2", want: 404},
			{name: "stale", method: "DELETE", path: articlePath(a.ID), as: "author", want: 412, headers: ifMatch(2)},
			{name: "not someone else's", method: "DELETE", path: articlePath(a.ID), as: "author2", want: 404, headers: ifMatch(1)},
			{name: "not for good outside the trash", method: "DELETE", path: articlePath(a.ID, "?permanent=true"), as: "admin", want: 409, headers: ifMatch(1),
				check: wantDetail("only an article in the trash")},
			{name: "permanent must be a boolean", method: "DELETE", path: articlePath(a.ID, "?permanent=yes"), as: "admin", want: 400, headers: ifMatch(1)},
			{name: "the author trashes a draft", method: "DELETE", path: articlePath(a.ID), as: "author", want: 204, headers: ifMatch(1)},
			{name: "in the trash already", method: "DELETE", path: articlePath(a.ID), as: "author", want: 409, headers: ifMatch(2)},
			{name: "an editor still reads it", method: "GET", path: articlePath(a.ID), as: "editor", want: 200,
				fields: map[string]any{"data.version": 2, "data.status": "draft", "data.trashed_by_id": ts.ids["author"], "data.trashed_at": testNow.In(models.NewsroomZone).Format(time.RFC3339)}},
			{name: "its revisions stay", method: "GET", path: articlePath(a.ID, "/revisions"), as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.action": "trash"}},
			{name: "a category with an article in the trash cannot go", method: "DELETE", path: fmt.Sprintf("/api/v1/admin/categories/%d", cat), as: "editor", headers: ifMatch(1), want: 409},
			{name: "an author cannot delete for good", method: "DELETE", path: articlePath(a.ID, "?permanent=true"), as: "author", want: 403, headers: ifMatch(2)},
			{name: "nor can an editor", method: "DELETE", path: articlePath(a.ID, "?permanent=true"), as: "editor", want: 403, headers: ifMatch(2)},
			{name: "an admin deletes it for good, at the version read", method: "DELETE", path: articlePath(a.ID, "?permanent=true"), as: "admin", want: 412, headers: ifMatch(1)},
			{name: "an admin deletes it for good", method: "DELETE", path: articlePath(a.ID, "?permanent=true"), as: "admin", want: 204, headers: ifMatch(2)},
			{name: "gone", method: "GET", path: articlePath(a.ID), as: "editor", want: 404},
			{name: "its revisions are gone", method: "GET", path: articlePath(a.ID, "/revisions"), as: "editor", want: 404},
			{name: "the category is empty now", method: "DELETE", path: fmt.Sprintf("/api/v1/admin/categories/%d", cat), as: "editor", headers: ifMatch(1), want: 204},
		})
		for table, n := range map[string]int64{"article_tags": 0, "article_revisions": 0, "media_links": 0} {
			var got int64
			db.Table(table).Count(&got)
			if got != n {
				t.Errorf("%s has %d rows left", table, got)
			}
		}
	})
}

// Twenty writers send the same If-Match at once: the version check in the UPDATE lets exactly
// one win and the others get 412, on both databases.
func TestConcurrentPatchesExactlyOneWins(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.newArticle("editor", map[string]any{"title": "Tranh chấp", "category_id": cat})
		const writers = 20
		codes := make([]int, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res := ts.do("PATCH", articlePath(a.ID), map[string]any{"title": fmt.Sprintf("Người viết %d", i), "tags": []string{fmt.Sprintf("thẻ %d", i)}},
					"editor", ifMatch(1))
				codes[i] = res.Code
			}()
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[200] != 1 || count[412] != writers-1 {
			t.Fatalf("status codes %v, want one 200 and %d 412", count, writers-1)
		}
		got := decode[editorialArticleResponse](t, ts.do("GET", articlePath(a.ID), nil, "editor", nil)).Data
		if got.Version != 2 || len(got.Tags) != 1 {
			t.Errorf("after the race: version %d, tags %v; want version 2 and the winner's one tag", got.Version, got.Tags)
		}
		var revisions int64
		db.Table("article_revisions").Where("article_id = ?", a.ID).Count(&revisions)
		if revisions != 2 {
			t.Errorf("%d revisions, want 2", revisions)
		}
	})
}

// Every article write through the API leaves its audit entry as before (action, target,
// detail), now with who made it as which role, from where and in which request.
func TestArticleWritesAudited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		var id int64
		steps := []struct {
			as, method, path string
			body             any
			version          int // sent as If-Match; 0: none
			action, detail   string
		}{
			{as: "author", method: "POST", path: "/api/v1/admin/articles", body: map[string]any{"title": "Ký kết", "category_id": cat},
				action: "article.create", detail: "ky-ket"},
			{as: "author", method: "PATCH", body: map[string]any{"summary": "Tóm tắt"}, version: 1, action: "article.update", detail: "version=2"},
			{as: "author", method: "POST", path: "/submit", action: "article.submit", detail: "status=pending"},
			{as: "editor", method: "POST", path: "/publish", action: "article.publish", detail: "status=published"},
			{as: "editor", method: "POST", path: "/preview", action: "article.preview"}, // detail: the link's expiry
			{as: "editor", method: "POST", path: "/revisions/1/restore", version: 4, action: "article.restore", detail: "revision=1"},
			{as: "editor", method: "POST", path: "/archive", action: "article.archive", detail: "status=archived"},
			{as: "editor", method: "POST", path: "/unpublish", action: "article.unpublish", detail: "status=draft"},
			{as: "editor", method: "DELETE", version: 7, action: "article.trash", detail: "status=draft"},
			{as: "editor", method: "POST", path: "/restore", version: 8, action: "article.untrash", detail: "version=9"},
			{as: "editor", method: "DELETE", version: 9, action: "article.trash", detail: "status=draft"},
			{as: "admin", method: "DELETE", path: "?permanent=true", version: 10, action: "article.purge"},
		}
		for _, step := range steps {
			path, headers := step.path, map[string]string{"X-Request-ID": "req-" + step.action}
			if id != 0 {
				path = articlePath(id, step.path)
			}
			if step.version != 0 {
				headers["If-Match"] = strconv.Quote(strconv.Itoa(step.version))
			}
			res := ts.do(step.method, path, step.body, step.as, headers)
			if res.Code >= 300 {
				t.Fatalf("%s: %d %s", step.action, res.Code, res.Body)
			}
			if id == 0 {
				id = decode[editorialArticleResponse](t, res).Data.ID
			}
			if step.action == "article.preview" {
				step.detail = "expires=" + models.ShownTime(decode[previewLinkResponse](t, res).Data.ExpiresAt).Format(models.ShownTimeLayout)
			}
			var e models.AuditEntry
			if err := ts.db.Order("id DESC").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			if e.Action != step.action || e.TargetType != "article" || e.TargetID != strconv.FormatInt(id, 10) || e.Detail != step.detail ||
				e.ActorID == nil || *e.ActorID != ts.ids[step.as] || e.ActorRole != step.as || e.IP != "192.0.2.1" || e.RequestID != "req-"+step.action {
				t.Errorf("%s: audit entry %+v", step.action, e)
			}
		}
	})
}
