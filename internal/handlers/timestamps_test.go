package handlers

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

var (
	// anyTimestamp finds what looks like a time in a JSON text, whatever its style.
	anyTimestamp = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d[^"\s,;)]*`)
	// shownTimestamp is the one style every time is shown in.
	shownTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$`)
)

// TestTimestampsInOneStyle reads real responses of many routes (public, editorial, admin,
// submissions, media, previews, webhooks and their deliveries, the audit log, search) and the
// webhook bodies sent, and finds every time in them: each must be RFC 3339 in +07:00 at whole
// seconds. Dates alone (YYYY-MM-DD) are not times and are left alone.
func TestTimestampsInOneStyle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// A clock with microseconds, in UTC: what the databases and time.Now give.
		now := time.Date(2026, 8, 23, 7, 30, 15, 123456000, time.UTC)
		ts := newTestServerAt(t, db, func() time.Time { return now }).withUsers()
		rcv := newReceiver(t)
		hook := ts.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"article.published", "announcement.published",
			"document.published", "submission.received"}})
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Đại hội đại biểu", "category_id": cat, "tags": []string{"Đại hội"},
			"cover_media_id": ts.newMedia("2026/08/dai-hoi.jpg")})
		scheduled := ts.newArticle("editor", map[string]any{"title": "Sắp đăng", "category_id": cat})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": now.Add(26 * time.Hour).Format(time.RFC3339Nano)})
		ann := ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo tuyển dụng", "body": "<p>Nội dung</p>",
			"status": "published", "starts_at": "2026-08-01T08:00:00.5Z", "ends_at": "2026-12-31T17:00:00+07:00"})
		doc := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published"}))
		sub := ts.do("POST", "/api/v1/submissions", reader, "", nil)
		if sub.Code != 201 {
			t.Fatalf("submission: %d %s", sub.Code, sub.Body)
		}
		code := receipt(t, sub)
		var subID int64
		ts.db.Raw("SELECT id FROM submissions WHERE tracking_code = ?", code).Scan(&subID)
		ts.do("PATCH", fmt.Sprintf("/api/v1/admin/submissions/%d", subID), map[string]any{"status": "answered", "reply": "Cảm ơn"}, "editor", ifMatch(1))
		preview := ts.do("POST", articlePath(scheduled.ID, "/preview"), nil, "editor", nil)
		var previewToken string
		if preview.Code == 200 {
			previewToken = decode[struct {
				Data struct{ Token string } `json:"data"`
			}](t, preview).Data.Token
		} else {
			t.Errorf("preview: %d %s", preview.Code, preview.Body)
		}
		ts.do("POST", fmt.Sprintf("/api/v1/admin/webhooks/%d/ping", hook), nil, "admin", nil)
		ts.dispatch()

		responses := []struct{ as, path string }{
			{"", "/api/v1/articles"}, {"", "/api/v1/articles/" + a.Slug}, {"", "/api/v1/categories"},
			{"", "/api/v1/tags"}, {"", "/api/v1/announcements"}, {"", fmt.Sprintf("/api/v1/documents/%d", doc)},
			{"", "/api/v1/documents"}, {"", "/api/v1/search?q=dai+hoi"}, {"", "/api/v1/submissions/" + code},
			{"", "/api/v1/preview/articles/" + previewToken}, {"", "/api/v1/document-types"},
			{"editor", "/api/v1/admin/articles"}, {"editor", articlePath(a.ID)}, {"editor", articlePath(scheduled.ID)},
			{"editor", articlePath(a.ID, "/revisions")}, {"editor", articlePath(a.ID, "/revisions/1")},
			{"editor", "/api/v1/admin/categories"}, {"editor", "/api/v1/admin/tags"},
			{"editor", fmt.Sprintf("/api/v1/admin/announcements/%d", ann)}, {"editor", "/api/v1/admin/announcements"},
			{"editor", fmt.Sprintf("/api/v1/admin/documents/%d", doc)}, {"editor", "/api/v1/admin/documents"},
			{"editor", "/api/v1/admin/media"}, {"editor", "/api/v1/admin/submissions"},
			{"editor", fmt.Sprintf("/api/v1/admin/submissions/%d", subID)}, {"editor", "/api/v1/auth/me"},
			{"admin", "/api/v1/admin/users"}, {"admin", "/api/v1/admin/audit-log?per_page=100"},
			{"admin", "/api/v1/admin/webhooks"}, {"admin", fmt.Sprintf("/api/v1/admin/webhooks/%d", hook)},
			{"admin", fmt.Sprintf("/api/v1/admin/webhooks/%d/deliveries", hook)}, {"admin", "/api/v1/admin/document-types"},
		}
		found := 0
		check := func(where string, body []byte) {
			if !json.Valid(body) {
				t.Errorf("%s: not JSON: %s", where, body)
				return
			}
			for _, ts := range anyTimestamp.FindAll(body, -1) {
				found++
				if !shownTimestamp.Match(ts) {
					t.Errorf("%s: time %s is not RFC 3339 at whole seconds in +07:00", where, ts)
				}
			}
		}
		for _, r := range responses {
			res := ts.do("GET", r.path, nil, r.as, nil)
			if res.Code != 200 {
				t.Errorf("GET %s: %d %s", r.path, res.Code, res.Body)
				continue
			}
			check("GET "+r.path, res.Body.Bytes())
		}
		check("POST /api/v1/submissions", sub.Body.Bytes())
		check("POST preview", preview.Body.Bytes())
		sent := rcv.take()
		if len(sent) < 4 {
			t.Errorf("%d webhook deliveries sent, want the article, announcement, document, submission and ping", len(sent))
		}
		for _, g := range sent {
			check("webhook "+g.header.Get("X-Toasoan-Event"), g.body)
		}
		if found < 50 {
			t.Errorf("only %d times found: the routes read are not what this test means to read", found)
		}
	})
}
