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
			`{"title": "\u0000\ud800", "email": "a@b", "publish_at": "tomorrow", "starts_at": "2024-13-45T00:00:00Z"}`}
		queries := []string{"?page=-1", "?per_page=100000", "?q=%FF%FE", "?cursor=%21%21", "?from=2024-13-45", "?sort=bogus", "?status=%00"}
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
				for _, q := range queries {
					check(t, ts, method, target+q, nil)
				}
				if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
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
