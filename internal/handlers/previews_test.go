package handlers

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func TestDraftPreview(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		draft := ts.newArticle("author", map[string]any{"title": "Bản nháp riêng", "category_id": cat, "body": "<p>Nháp</p>"})
		other := ts.newArticle("author", map[string]any{"title": "Bản nháp khác", "category_id": cat})

		res := ts.do("POST", articlePath(draft.ID, "/preview"), nil, "author", nil)
		if res.Code != 200 {
			t.Fatalf("create preview: %d %s", res.Code, res.Body)
		}
		link := decode[previewLinkResponse](t, res).Data
		if !strings.HasPrefix(link.URL, "http://localhost:8080/api/v1/preview/articles/") || !strings.HasSuffix(link.URL, link.Token) {
			t.Errorf("url %q", link.URL)
		}
		if d := link.ExpiresAt.Sub(ts.now()); d < 50*time.Minute || d > 70*time.Minute {
			t.Errorf("expires_at %v, want in an hour", link.ExpiresAt)
		}
		preview := "/api/v1/preview/articles/" + link.Token
		// The same token with the other article's id in it: the signature no longer matches.
		raw, _ := base64.RawURLEncoding.DecodeString(link.Token)
		raw[7] = byte(other.ID)
		forged := "/api/v1/preview/articles/" + base64.RawURLEncoding.EncodeToString(raw)

		ts.run([]scenario{
			{name: "the draft is not public", method: "GET", path: "/api/v1/articles/" + draft.Slug, want: 404},
			{name: "the preview shows it, never cached", method: "GET", path: preview, want: 200,
				fields: map[string]any{"data.id": draft.ID, "data.status": "draft", "data.body": "<p>Nháp</p>", "data.published_at": nil},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if got := res.Header().Get("Cache-Control"); got != "no-store" {
						t.Errorf("Cache-Control = %q", got)
					}
					if res.Header().Get("ETag") != "" {
						t.Error("a preview has an ETag")
					}
				}},
			{name: "a preview link shared on Zalo keeps working", method: "GET", path: preview + "?zarsrc=30&utm_source=zalo&utm_medium=zalo", want: 200,
				fields: map[string]any{"data.id": draft.ID}},
			{name: "a forged token", method: "GET", path: forged, want: 404},
			{name: "garbage", method: "GET", path: "/api/v1/preview/articles/not-a-token", want: 404},
			{name: "another author cannot make one", method: "POST", path: articlePath(draft.ID, "/preview"), as: "author2", want: 404},
			{name: "lifetime too short", method: "POST", path: articlePath(draft.ID, "/preview"), as: "author", want: 422,
				body: map[string]any{"expires_in": 10}, check: wantFields("expires_in")},
			{name: "lifetime too long", method: "POST", path: articlePath(draft.ID, "/preview"), as: "author", want: 422,
				body: map[string]any{"expires_in": 8 * 24 * 3600}, check: wantFields("expires_in")},
			{name: "a week is allowed", method: "POST", path: articlePath(draft.ID, "/preview"), as: "editor", want: 200,
				body: map[string]any{"expires_in": 7 * 24 * 3600}},
			{name: "an edit", method: "PATCH", path: articlePath(draft.ID), as: "author", want: 200,
				body: map[string]any{"body": "<p>Đã sửa</p>"}, headers: ifMatch(1)},
			{name: "shows in the preview", method: "GET", path: preview, want: 200, fields: map[string]any{"data.body": "<p>Đã sửa</p>"}},
		})

		jump(61 * time.Minute)
		ts.run([]scenario{{name: "expired", method: "GET", path: preview, want: 404}})

		// A token signed with another secret opens nothing here.
		foreign := newTestServer(t, db)
		foreign.cfg.JWTSecret = "another-secret-another-secret-0123456789"
		ts.run([]scenario{{name: "another secret", method: "GET", want: 404,
			path: "/api/v1/preview/articles/" + foreign.previewToken(previewClaims{ArticleID: draft.ID, Expires: ts.now().Add(time.Hour), MadeBy: ts.ids["author"]})}})
	})
}

// Preview links are revoked by unpublishing, archiving or deleting the article and by
// deactivating whoever made the link; an archived article is never shown.
func TestPreviewRevoked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		previewOf := func(id int64, as string) string {
			t.Helper()
			res := ts.do("POST", articlePath(id, "/preview"), nil, as, nil)
			if res.Code != 200 {
				t.Fatalf("create preview: %d %s", res.Code, res.Body)
			}
			return "/api/v1/preview/articles/" + decode[previewLinkResponse](t, res).Data.Token
		}
		shows := func(name, path string) scenario { return scenario{name: name, method: "GET", path: path, want: 200} }
		gone := func(name, path string) scenario { return scenario{name: name, method: "GET", path: path, want: 404} }

		unpublished := ts.published(map[string]any{"title": "Sẽ gỡ", "category_id": cat})
		beforeUnpublish := previewOf(unpublished.ID, "editor")
		archived := ts.published(map[string]any{"title": "Sẽ lưu trữ", "category_id": cat})
		beforeArchive := previewOf(archived.ID, "editor")
		deleted := ts.newArticle("author", map[string]any{"title": "Sẽ xoá", "category_id": cat})
		beforeDelete := previewOf(deleted.ID, "author")
		kept := ts.newArticle("author2", map[string]any{"title": "Của người nghỉ", "category_id": cat})
		byLeaver := previewOf(kept.ID, "author2")
		byEditor := previewOf(kept.ID, "editor")
		ts.run([]scenario{
			shows("before unpublish", beforeUnpublish), shows("before archive", beforeArchive),
			shows("before delete", beforeDelete), shows("by the author", byLeaver),
		})

		ts.act(unpublished.ID, "unpublish", nil)
		ts.act(archived.ID, "archive", nil)
		if res := ts.do("DELETE", articlePath(deleted.ID), nil, "author", ifMatch(deleted.Version)); res.Code != 204 {
			t.Fatalf("delete: %d %s", res.Code, res.Body)
		}
		if res := ts.do("PATCH", "/api/v1/admin/users/"+itoa(ts.ids["author2"]), map[string]any{"active": false}, "admin", ifMatch(1)); res.Code != 200 {
			t.Fatalf("deactivate: %d %s", res.Code, res.Body)
		}
		afterUnpublish := previewOf(unpublished.ID, "editor")
		ts.run([]scenario{
			gone("unpublished: the old link", beforeUnpublish),
			shows("unpublished: a new link shows the draft", afterUnpublish),
			gone("archived", beforeArchive),
			gone("archived: even a link made now", previewOf(archived.ID, "editor")),
			gone("deleted", beforeDelete),
			gone("its maker deactivated", byLeaver),
			shows("another maker's link to the same draft", byEditor),
		})
		// Published again, then unpublished again: no earlier link comes back.
		ts.act(unpublished.ID, "publish", nil)
		ts.run([]scenario{gone("republished: the first link", beforeUnpublish), shows("republished: the second", afterUnpublish)})
		ts.act(unpublished.ID, "unpublish", nil)
		ts.run([]scenario{gone("unpublished again: the second link", afterUnpublish)})
	})
}
