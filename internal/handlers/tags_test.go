package handlers

import (
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func TestTagAdministration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		res := ts.do("POST", "/api/v1/admin/tags", map[string]any{"name": " Đại hội "}, "editor", nil)
		if res.Code != 201 {
			t.Fatalf("create tag: %d %s", res.Code, res.Body)
		}
		wantETag(`"1"`)(t, res)
		id := decode[adminTagResponse](t, res).Data.ID
		path := fmt.Sprintf("/api/v1/admin/tags/%d", id)
		ts.run([]scenario{
			{name: "slug from the name", method: "GET", path: path, as: "author", want: 200,
				fields: map[string]any{"data.slug": "dai-hoi", "data.name": "Đại hội", "data.article_count": 0, "data.version": 1},
				check:  wantETag(`"1"`)},
			{name: "same slug is the same tag", method: "POST", path: "/api/v1/admin/tags", as: "editor", want: 409,
				body: map[string]any{"name": "ĐẠI HỘI"}},
			{name: "a name without letters", method: "POST", path: "/api/v1/admin/tags", as: "editor", want: 422,
				body: map[string]any{"name": "!!!"}, check: wantFields("name")},
			{name: "authors may not create tags", method: "POST", path: "/api/v1/admin/tags", as: "author", want: 403,
				body: map[string]any{"name": "Bầu cử"}},
			{name: "a second tag", method: "POST", path: "/api/v1/admin/tags", as: "admin", want: 201,
				body: map[string]any{"name": "Bầu cử"}, fields: map[string]any{"data.slug": "bau-cu"}},
			{name: "list by slug", method: "GET", path: "/api/v1/admin/tags", as: "author", want: 200,
				fields: map[string]any{"data.0.slug": "bau-cu", "data.1.slug": "dai-hoi", "meta.pagination.total": 2}},
			{name: "prefix search ignores diacritics", method: "GET", path: "/api/v1/admin/tags?q=Đại", as: "author", want: 200,
				fields: map[string]any{"data.0.slug": "dai-hoi", "meta.pagination.total": 1}},
			{name: "a prefix without letters finds nothing", method: "GET", path: "/api/v1/admin/tags?q=!!", as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}},
			{name: "rename without If-Match names the version", method: "PATCH", path: path, as: "editor", want: 428,
				body:   map[string]any{"name": "Đại hội Mặt trận"},
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 1: send If-Match: "1"`}},
			{name: "rename a stale version", method: "PATCH", path: path, as: "editor", headers: ifMatch(3), want: 412,
				body: map[string]any{"name": "Đại hội Mặt trận"}, fields: map[string]any{"code": "version_mismatch"}},
			{name: "rename moves the slug", method: "PATCH", path: path, as: "editor", headers: ifMatch(1), want: 200,
				body:   map[string]any{"name": "Đại hội Mặt trận"},
				fields: map[string]any{"data.slug": "dai-hoi-mat-tran", "data.version": 2}, check: wantETag(`"2"`)},
			{name: "rename to a name without letters", method: "PATCH", path: path, as: "editor", headers: ifMatch(2), want: 422,
				body: map[string]any{"name": "???"}, check: wantFields("name")},
			{name: "rename onto another tag", method: "PATCH", path: path, as: "editor", headers: ifMatch(2), want: 409,
				body: map[string]any{"name": "Bầu cử"}},
			{name: "rename of an unknown tag", method: "PATCH", path: "/api/v1/admin/tags/9999", as: "editor", want: 404,
				body: map[string]any{"name": "Khác"}},
			{name: "public list has no tags of unpublished articles", method: "GET", path: "/api/v1/tags", want: 200,
				fields: map[string]any{"meta.pagination.total": 0}, check: wantPublicCaching},
			{name: "delete without If-Match names the version", method: "DELETE", path: path, as: "editor", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 2: send If-Match: "2"`}},
			{name: "delete a stale version", method: "DELETE", path: path, as: "editor", headers: ifMatch(1), want: 412,
				fields: map[string]any{"code": "version_mismatch"}},
			{name: "authors may not delete tags", method: "DELETE", path: path, as: "author", headers: ifMatch(2), want: 403},
			{name: "delete", method: "DELETE", path: path, as: "editor", headers: ifMatch(2), want: 204},
			{name: "deleted", method: "GET", path: path, as: "editor", want: 404},
			{name: "delete again", method: "DELETE", path: path, as: "editor", headers: ifMatch(2), want: 404},
		})
	})
}
