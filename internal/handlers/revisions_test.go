package handlers

import (
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func TestArticleRevisions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		other := ts.createCategory("Tin ảnh", 0)
		a := ts.newArticle("author", map[string]any{"title": "Bản đầu", "body": "<p>Một</p>", "category_id": cat, "tags": []string{"Đầu"}})
		mustPatch := func(version int, body map[string]any, as string) {
			t.Helper()
			if res := ts.do("PATCH", articlePath(a.ID), body, as, ifMatch(version)); res.Code != 200 {
				t.Fatalf("patch v%d: %d %s", version, res.Code, res.Body)
			}
		}
		mustPatch(1, map[string]any{"title": "Bản hai", "body": "<p>Hai</p>", "tags": []string{"Hai"}, "category_id": other}, "author")
		ts.act(a.ID, "publish", nil) // version 3
		mustPatch(3, map[string]any{"summary": "Tóm tắt"}, "editor")

		ts.run([]scenario{
			{name: "every change is a revision, newest first", method: "GET", path: articlePath(a.ID, "/revisions"), as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 4, "data.0.number": 4, "data.0.action": "update",
					"data.0.actor.id": ts.ids["editor"], "data.1.action": "publish", "data.2.action": "update",
					"data.3.number": 1, "data.3.action": "create", "data.3.actor.id": ts.ids["author"]},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if decode[revisionListResponse](t, res).Data[0].CreatedAt.IsZero() {
						t.Error("no created_at")
					}
				}},
			{name: "paged", method: "GET", path: articlePath(a.ID, "/revisions?per_page=1&page=2"), as: "editor", want: 200,
				fields: map[string]any{"data.0.number": 3, "meta.pagination.next": 3}},
			{name: "a full snapshot", method: "GET", path: articlePath(a.ID, "/revisions/1"), as: "author", want: 200,
				fields: map[string]any{"data.number": 1, "data.snapshot.title": "Bản đầu", "data.snapshot.body": "<p>Một</p>",
					"data.snapshot.tags.0": "Đầu", "data.snapshot.status": "draft", "data.snapshot.category_id": cat,
					"data.snapshot.slug": "ban-dau"}},
			{name: "the publish snapshot", method: "GET", path: articlePath(a.ID, "/revisions/3"), as: "editor", want: 200,
				fields: map[string]any{"data.snapshot.status": "published"}},
			{name: "unknown revision", method: "GET", path: articlePath(a.ID, "/revisions/99"), as: "editor", want: 404},
			{name: "bad revision number", method: "GET", path: articlePath(a.ID, "/revisions/x"), as: "editor", want: 404},
			{name: "another author sees none", method: "GET", path: articlePath(a.ID, "/revisions"), as: "author2", want: 404},
			{name: "restore needs If-Match", method: "POST", path: articlePath(a.ID, "/revisions/1/restore"), as: "editor", want: 428},
			{name: "restore with a stale version", method: "POST", path: articlePath(a.ID, "/revisions/1/restore"), as: "editor", want: 412,
				headers: ifMatch(3)},
			{name: "the author cannot restore a published article", method: "POST", path: articlePath(a.ID, "/revisions/1/restore"), as: "author", want: 403,
				headers: ifMatch(4)},
			{name: "restore is a new version", method: "POST", path: articlePath(a.ID, "/revisions/1/restore"), as: "editor", want: 200,
				headers: ifMatch(4),
				fields: map[string]any{"data.version": 5, "data.title": "Bản đầu", "data.body": "<p>Một</p>", "data.tags.0.name": "Đầu",
					"data.category_id": cat, "data.summary": "", "data.status": "published", "data.slug": "ban-hai"}},
			{name: "and a new revision", method: "GET", path: articlePath(a.ID, "/revisions?per_page=1"), as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 5, "data.0.number": 5, "data.0.action": "restore"}},
			{name: "restore an unknown revision", method: "POST", path: articlePath(a.ID, "/revisions/42/restore"), as: "editor", want: 404,
				headers: ifMatch(5)},
		})
	})
}
