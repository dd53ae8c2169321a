package handlers

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// createCategory makes a category through the API and returns its id.
func (ts *testServer) createCategory(name string, parent int64) int64 {
	ts.t.Helper()
	body := map[string]any{"name": name}
	if parent != 0 {
		body["parent_id"] = parent
	}
	res := ts.do("POST", "/api/v1/admin/categories", body, "editor", nil)
	if res.Code != 201 {
		ts.t.Fatalf("create category %s: %d %s", name, res.Code, res.Body)
	}
	return decode[adminCategoryResponse](ts.t, res).Data.ID
}

func TestCategories(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		news := ts.createCategory("Tin tức", 0)
		local := ts.createCategory("Mặt trận địa phương", news)
		path := func(id int64) string { return fmt.Sprintf("/api/v1/admin/categories/%d", id) }

		ts.run([]scenario{
			{name: "slug made from the Vietnamese name", method: "GET", path: path(local), as: "author", want: 200,
				fields: map[string]any{"data.slug": "mat-tran-dia-phuong", "data.parent_id": news, "data.article_count": 0}},
			{name: "đ folds to d", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 201,
				body:   map[string]any{"name": "Đại đoàn kết toàn dân tộc", "description": "Khối đại đoàn kết", "position": 2},
				fields: map[string]any{"data.slug": "dai-doan-ket-toan-dan-toc", "data.position": 2, "data.parent_id": nil, "data.version": 1},
				check:  wantETag(`"1"`)},
			{name: "same name gets a numbered slug", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 201,
				body: map[string]any{"name": "Mặt trận địa phương"}, fields: map[string]any{"data.slug": "mat-tran-dia-phuong-2"}},
			{name: "explicit slug taken", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 409,
				body: map[string]any{"name": "Khác", "slug": "tin-tuc"}, fields: map[string]any{"code": "conflict"}},
			{name: "bad slug, blank name and bad parent all listed", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 422,
				body:  map[string]any{"name": " ", "slug": "Tin Tức", "parent_id": -1},
				check: wantFields("name", "slug", "parent_id")},
			{name: "missing parent", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 422,
				body: map[string]any{"name": "Con", "parent_id": 9999}, fields: map[string]any{"errors.0.field": "parent_id"}},
			{name: "authors may not create", method: "POST", path: "/api/v1/admin/categories", as: "author", want: 403,
				body: map[string]any{"name": "Của tôi"}},
			{name: "no token", method: "GET", path: "/api/v1/admin/categories", want: 401},
			{name: "cannot become its own parent", method: "PATCH", path: path(news), as: "editor", headers: ifMatch(1), want: 422,
				body: map[string]any{"parent_id": news}, fields: map[string]any{"errors.0.field": "parent_id"}},
			{name: "cannot move under its own child", method: "PATCH", path: path(news), as: "editor", headers: ifMatch(1), want: 422,
				body: map[string]any{"parent_id": local}, fields: map[string]any{"errors.0.field": "parent_id"}},
			{name: "update without If-Match names the version", method: "PATCH", path: path(local), as: "editor", want: 428,
				body:   map[string]any{"name": "Mặt trận các địa phương"},
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "update of a stale version", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(2), want: 412,
				body: map[string]any{"name": "Mặt trận các địa phương"}, fields: map[string]any{"code": "version_mismatch"}},
			{name: "rename keeps the slug", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(1), want: 200,
				body:   map[string]any{"name": "Mặt trận các địa phương"},
				fields: map[string]any{"data.slug": "mat-tran-dia-phuong", "data.name": "Mặt trận các địa phương", "data.version": 2},
				check:  wantETag(`"2"`)},
			{name: "the old version is stale now", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(1), want: 412,
				body: map[string]any{"slug": "dia-phuong"}},
			{name: "read sends the version", method: "GET", path: path(local), as: "author", want: 200,
				fields: map[string]any{"data.version": 2}, check: wantETag(`"2"`)},
			{name: "explicit new slug", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(2), want: 200,
				body: map[string]any{"slug": "dia-phuong"}, fields: map[string]any{"data.slug": "dia-phuong", "data.version": 3}},
			{name: "a slug of 100 characters", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(3), want: 200,
				body: map[string]any{"slug": strings.Repeat("a", 100)}, fields: map[string]any{"data.slug": strings.Repeat("a", 100)}},
			{name: "a slug of 101 characters", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(4), want: 422,
				body: map[string]any{"slug": strings.Repeat("a", 101)}, fields: map[string]any{"errors.0.message": "must be at most 100 lower-case letters and digits joined by single dashes, e.g. mat-tran-dia-phuong"},
				check: wantFields("slug")},
			{name: "back to a short slug", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(4), want: 200,
				body: map[string]any{"slug": "dia-phuong"}, fields: map[string]any{"data.version": 5}},
			{name: "slug of another category", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(5), want: 409,
				body: map[string]any{"slug": "tin-tuc"}},
			{name: "parent_id of the wrong type", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(5), want: 400,
				body: map[string]any{"parent_id": "one"}, fields: map[string]any{"errors.0.field": "parent_id"}},
			{name: "deleting a category with children", method: "DELETE", path: path(news), as: "editor", headers: ifMatch(1), want: 409,
				fields: map[string]any{"code": "conflict"}},
			{name: "null parent makes a root", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(5), want: 200,
				body: map[string]any{"parent_id": nil}, fields: map[string]any{"data.parent_id": nil}},
			{name: "move back under news", method: "PATCH", path: path(local), as: "editor", headers: ifMatch(6), want: 200,
				body: map[string]any{"parent_id": news, "position": 1}, fields: map[string]any{"data.parent_id": news}},
			{name: "authors may not delete", method: "DELETE", path: path(local), as: "author", headers: ifMatch(7), want: 403},
			{name: "unknown category", method: "PATCH", path: path(9999), as: "editor", want: 404, body: map[string]any{"name": "x"}},
			{name: "unknown category with If-Match", method: "PATCH", path: path(9999), as: "editor", headers: ifMatch(1), want: 404,
				body: map[string]any{"name": "x"}},
			{name: "public tree", method: "GET", path: "/api/v1/categories", want: 200,
				fields: map[string]any{"data.0.slug": "tin-tuc", "data.0.children.0.slug": "dia-phuong",
					"data.0.children.0.parent_id": news, "data.1.slug": "mat-tran-dia-phuong-2", "data.2.slug": "dai-doan-ket-toan-dan-toc"},
				check: wantPublicCaching},
			{name: "public category with its sub-tree", method: "GET", path: "/api/v1/categories/tin-tuc", want: 200,
				fields: map[string]any{"data.name": "Tin tức", "data.children.0.slug": "dia-phuong"}},
			{name: "public sub-category", method: "GET", path: "/api/v1/categories/dia-phuong", want: 200,
				fields: map[string]any{"data.parent_id": news}},
			{name: "public unknown category", method: "GET", path: "/api/v1/categories/khong-co", want: 404},
			{name: "delete without If-Match names the version", method: "DELETE", path: path(local), as: "editor", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 7: send If-Match: "7"`}},
			{name: "delete a stale version", method: "DELETE", path: path(local), as: "editor", headers: ifMatch(6), want: 412,
				fields: map[string]any{"code": "version_mismatch"}},
			{name: "delete an empty category", method: "DELETE", path: path(local), as: "editor", headers: ifMatch(7), want: 204},
			{name: "deleted", method: "GET", path: path(local), as: "editor", want: 404},
		})
	})
}

// wantPublicCaching checks the headers of a public GET.
func wantPublicCaching(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	if res.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
	if got := res.Header().Get("Cache-Control"); got != publicCacheControl {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := res.Header().Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding once", got)
	}
}
