package handlers

import (
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// No client mistake is a 500: every route, called as an admin with malformed ids, bodies and
// query strings, answers with a 4xx (or a success), on both databases.
func TestClientMistakesAreNever5xx(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ids := []string{"abc", "-1", "0", "99999999999999999999", "%00", "%FF", "1.5"}
		bodies := []string{`{`, `[]`, `null`, `"x"`, `{}`, `{"title": 123, "name": [], "status": {}, "tags": "x"}`,
			`{"title": "\u0000\ud800", "email": "a@b", "publish_at": "tomorrow", "starts_at": "2024-13-45T00:00:00Z"}`,
			`{"title": "a\u0000b", "name": "a\u0000b", "email": "a\u0000@b.vn", "password": "x\u0000xxxxxxxxxxx", "body": "<p>\u0000</p>",
			  "summary": "\u0000", "tags": ["a\u0000"], "subject": "\u0000", "content": "\u0000", "note": "\u0000", "reply": "\u0000"}`,
			`{"title": "Xa", "body": "<p>x</p>", "starts_at": "9999-12-31T23:59:59Z", "ends_at": "9999-12-31T23:59:59Z",
			  "publish_at": "9999-12-31T23:59:59Z", "status": "published"}`}
		queries := []string{"?page=-1", "?per_page=100000", "?q=%FF%FE", "?cursor=%21%21", "?from=2024-13-45", "?sort=bogus", "?status=%00"}
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo", "body": "<p>x</p>", "status": "published"})
		for key := range ts.Rules() {
			method, path, _ := strings.Cut(key, " ")
			if method == http.MethodHead || path == "/swagger/*" || path == "/metrics" {
				continue
			}
			var targets []string
			if strings.Contains(path, ":") || strings.Contains(path, "*") {
				for _, id := range ids {
					targets = append(targets, pathParam.ReplaceAllString(strings.Replace(path, "*", id, 1), id))
				}
			} else {
				targets = append(targets, path)
			}
			for _, target := range targets {
				check(t, ts, method, target, nil) // a bad path parameter alone must reach the lookup
				for _, q := range queries {
					check(t, ts, method, target+q, nil)
				}
				if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
					if path == "/api/v1/submissions" {
						ts.submissionLimit = 1 << 30 // the throttle would answer 429 before the body is read
					}
					for _, b := range bodies {
						check(t, ts, method, target, b)
					}
				}
			}
		}
	})
}

func check(t *testing.T, ts *testServer, method, path string, body any) {
	t.Helper()
	headers := map[string]string{"If-Match": `"1"`}
	res := ts.do(method, path, body, "admin", headers)
	if res.Code >= 500 {
		t.Errorf("%s %s %v: %d %s", method, path, body, res.Code, res.Body)
	}
}

// What a client cannot store never breaks what others read: the public lists still answer.
func TestRefusedValuesLeavePublicListsWorking(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.run([]scenario{
			{name: "an end after year 9999 in +07:00", method: "POST", path: "/api/v1/admin/announcements", as: "editor",
				body: map[string]any{"title": "Không hết hạn", "body": "<p>x</p>", "status": "published", "ends_at": "9999-12-31T23:59:59Z"}, want: 422,
				fields: map[string]any{"errors.0.field": "ends_at"}},
			{name: "a NUL in a name is kept as U+FFFD", method: "POST", path: "/api/v1/admin/categories", as: "editor",
				body: `{"name": "Tin\u0000mới"}`, want: 201, fields: map[string]any{"data.name": "Tin\uFFFDmới"}},
			{name: "a NUL in a tag name", method: "POST", path: "/api/v1/admin/articles", as: "editor",
				body: `{"title": "Tin", "category_id": 1, "tags": ["Gia\u0000Lai"]}`, want: 201, fields: map[string]any{"data.tags.0.name": "Gia\uFFFDLai"}},
			{name: "a NUL in a slug", method: "GET", path: "/api/v1/articles/%00", want: 400, fields: map[string]any{"errors.0.field": "slug"}},
			{name: "invalid UTF-8 in a query", method: "GET", path: "/api/v1/articles?tag=%FF", want: 400, fields: map[string]any{"errors.0.field": "tag"}},
			{name: "the public list still answers", method: "GET", path: "/api/v1/announcements", want: 200},
		})
	})
}
