package handlers

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// TestBodyFields: every JSON body is read against its request type. An unknown field is a 422
// naming it, listed with the other bad fields; the read-only fields a resource shows are
// ignored, so a client can send back what it read; a time that does not parse names the format.
func TestBodyFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		a := ts.newArticle("author", map[string]any{"title": "Bản nháp", "category_id": cat})
		read := ts.do("GET", fmt.Sprintf("/api/v1/admin/categories/%d", cat), nil, "editor", nil)
		if read.Code != 200 {
			t.Fatalf("read category: %d %s", read.Code, read.Body)
		}
		category := decode[struct {
			Data map[string]any `json:"data"`
		}](t, read).Data
		category["name"] = "Tin mới nhất"
		ts.run([]scenario{
			{name: "an unknown field", method: "POST", path: "/api/v1/admin/categories", as: "editor", want: 422,
				body: map[string]any{"name": "Kinh tế", "colour": "đỏ"}, fields: map[string]any{"errors.0.field": "colour",
					"errors.0.message": "unknown field"}},
			{name: "each unknown field, with the other bad fields", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body:  map[string]any{"title": " ", "category_id": cat, "titel": "Tin", "tag": "Đại hội"},
				check: wantFields("tag", "titel", "title")},
			{name: "a field named in another case is unknown", method: "POST", path: "/api/v1/admin/tags", as: "editor", want: 422,
				body: map[string]any{"Name": "Mặt trận"}, check: wantFields("Name", "name")},
			{name: "unknown on a public body too", method: "POST", path: "/api/v1/auth/login", want: 422,
				body: map[string]any{"email": "editor@mattran.org.vn", "password": testPassword, "remember": true}, check: wantFields("remember")},
			{name: "read-only fields are ignored", method: "PATCH", path: articlePath(a.ID), as: "author", headers: ifMatch(1), want: 200,
				body: map[string]any{"id": 999, "version": 7, "status": "published", "created_at": "2020-01-01T00:00:00Z",
					"updated_at": "x", "slug_locked": true, "view_count": 5, "summary": "Tóm tắt"},
				fields: map[string]any{"data.id": a.ID, "data.version": 2, "data.status": "draft", "data.summary": "Tóm tắt"}},
			{name: "what was read can be sent back", method: "PATCH", path: fmt.Sprintf("/api/v1/admin/categories/%d", cat), as: "editor",
				headers: ifMatch(1), body: category, want: 200, fields: map[string]any{"data.name": "Tin mới nhất"}},
			{name: "null where the field takes none, each named", method: "PATCH", path: articlePath(a.ID), as: "author", headers: ifMatch(2), want: 422,
				body: map[string]any{"author_ids": nil, "title": nil, "summary": "Tóm tắt mới"}, check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantFields("author_ids", "title")(t, res)
					if msg := decode[problem](t, res).Errors[0].Message; !strings.Contains(msg, "must not be null") {
						t.Errorf("message %q", msg)
					}
				}},
			{name: "null where it means something", method: "PATCH", path: fmt.Sprintf("/api/v1/admin/categories/%d", cat), as: "editor",
				headers: ifMatch(2), body: map[string]any{"parent_id": nil}, want: 200, fields: map[string]any{"data.parent_id": nil}},
			{name: "a time that does not parse, with the other bad fields", method: "POST", path: "/api/v1/admin/announcements", as: "editor",
				want: 422, body: map[string]any{"title": "", "body": "x", "starts_at": "ngày mai", "ends_at": "2026-13-01"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantFields("ends_at", "starts_at", "title")(t, res)
					for _, f := range decode[problem](t, res).Errors {
						if f.Field != "title" && f.Message != timeFormatMessage {
							t.Errorf("%s: %q", f.Field, f.Message)
						}
					}
				}},
		})
	})
}
