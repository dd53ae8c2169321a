package handlers

import (
	"net/http/httptest"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

func TestDocumentTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		const admin = "/api/v1/admin/document-types"
		ts.run([]scenario{
			{name: "the seeded list, public and cached", method: "GET", path: "/api/v1/document-types", want: 200,
				fields: map[string]any{"data.0.name": "Nghị quyết", "data.0.code": "NQ", "data.0.position": 1,
					"data.1.code": "QĐ", "data.6.name": "Công văn", "data.6.code": "", "data.10.name": "Tờ trình", "data.10.code": "TTr"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if n := len(decode[documentTypeListResponse](t, res).Data); n != 11 {
						t.Errorf("%d types, want the 11 of the taxonomy", n)
					}
					if res.Header().Get("Cache-Control") != publicCacheControl || res.Header().Get("ETag") == "" {
						t.Errorf("not cached as public: %v", res.Header())
					}
				}},
			{name: "editors' list", method: "GET", path: admin, as: "editor", want: 200, fields: map[string]any{"data.10.code": "TTr"}},
			{name: "authors may not list", method: "GET", path: admin, as: "author", want: 403},
			{name: "authors may not add", method: "POST", path: admin, as: "author", body: map[string]any{"name": "Công điện"}, want: 403},
			{name: "bad fields", method: "POST", path: admin, as: "editor", body: map[string]any{"name": " ", "code": "N-Q", "position": -1},
				want: 422, check: wantFields("name", "code", "position")},
			{name: "add, last by default", method: "POST", path: admin, as: "editor", body: map[string]any{"name": " Công điện ", "code": "CĐ"},
				want: 201, fields: map[string]any{"data.id": 12, "data.name": "Công điện", "data.code": "CĐ", "data.position": 12}},
			{name: "add a code-less type at a position", method: "POST", path: admin, as: "editor", body: map[string]any{"name": "Thư", "position": 0},
				want: 201, fields: map[string]any{"data.code": "", "data.position": 0}},
			{name: "a name taken, in another case and without diacritics", method: "POST", path: admin, as: "editor",
				body: map[string]any{"name": "nghi quyet"}, want: 409},
			{name: "a code taken, spelt QD", method: "POST", path: admin, as: "editor", body: map[string]any{"name": "Quyết định mới", "code": "qd"}, want: 409},
			{name: "a code taken, in lower case", method: "POST", path: admin, as: "editor", body: map[string]any{"name": "Chương trình mới", "code": "ctr"}, want: 409},
			{name: "a name equal to a code", method: "POST", path: admin, as: "editor", body: map[string]any{"name": "NQ"}, want: 409},
			{name: "one type, with its version as the ETag", method: "GET", path: admin + "/12", as: "editor", want: 200,
				fields: map[string]any{"data.name": "Công điện", "data.version": 1}, check: wantETag(`"1"`)},
			{name: "a change needs If-Match, naming the version", method: "PATCH", path: admin + "/12", as: "editor",
				body: map[string]any{"name": "Công điện khẩn"}, want: 428, check: wantDetail(`If-Match: "1"`)},
			{name: "rename", method: "PATCH", path: admin + "/12", as: "editor", headers: ifMatch(1),
				body: map[string]any{"name": "Công điện khẩn", "position": 20}, want: 200,
				fields: map[string]any{"data.name": "Công điện khẩn", "data.code": "CĐ", "data.position": 20, "data.version": 2}, check: wantETag(`"2"`)},
			{name: "a stale version is refused", method: "PATCH", path: admin + "/12", as: "editor", headers: ifMatch(1),
				body: map[string]any{"name": "Công điện hỏa tốc"}, want: 412},
			{name: "keeping its own name is no clash", method: "PATCH", path: admin + "/12", as: "editor", headers: ifMatch(2),
				body: map[string]any{"name": "Công điện khẩn"}, want: 200, fields: map[string]any{"data.version": 3}},
			{name: "take another's code", method: "PATCH", path: admin + "/12", as: "editor", headers: ifMatch(3), body: map[string]any{"code": "NQ"}, want: 409},
			{name: "bad code", method: "PATCH", path: admin + "/12", as: "editor", headers: ifMatch(3), body: map[string]any{"code": "1A"}, want: 422,
				fields: map[string]any{"errors.0.field": "code"}},
			{name: "change a missing one", method: "PATCH", path: admin + "/99", as: "editor", body: map[string]any{"name": "x"}, want: 404},
			{name: "a delete needs If-Match", method: "DELETE", path: admin + "/12", as: "editor", want: 428},
			{name: "a stale delete is refused", method: "DELETE", path: admin + "/12", as: "editor", headers: ifMatch(2), want: 412},
			{name: "delete", method: "DELETE", path: admin + "/12", as: "editor", headers: ifMatch(3), want: 204},
			{name: "delete again", method: "DELETE", path: admin + "/12", as: "editor", headers: ifMatch(3), want: 404},
			{name: "deleted from the public list", method: "GET", path: "/api/v1/document-types", want: 200,
				fields: map[string]any{"data.0.name": "Thư"}},
		})
		if n := ts.auditCount("document_type.create"); n != 2 {
			t.Errorf("%d audit entries for creates, want 2", n)
		}
	})
}
