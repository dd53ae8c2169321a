package handlers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// testNow is the fixed clock of time-dependent tests: 14:00 in Hà Nội.
var testNow = time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)

// seedMedia stores a media item directly (uploads are another resource's concern).
func (ts *testServer) seedMedia(name, mime string) int64 {
	ts.t.Helper()
	m := models.Media{Key: fmt.Sprintf("2026/08/%d-%s", time.Now().UnixNano(), name), Name: name, Mime: mime, Size: 1234}
	if err := ts.db.Create(&m).Error; err != nil {
		ts.t.Fatal(err)
	}
	return m.ID
}

// create POSTs body as the editor and returns the created item's id.
func (ts *testServer) create(path string, body any) int64 {
	ts.t.Helper()
	res := ts.do("POST", path, body, "editor", nil)
	if res.Code != 201 {
		ts.t.Fatalf("POST %s: %d %s", path, res.Code, res.Body)
	}
	return decode[struct {
		Data struct{ ID int64 } `json:"data"`
	}](ts.t, res).Data.ID
}

func (ts *testServer) auditCount(action string) int64 {
	ts.t.Helper()
	_, n, err := ts.store.AuditEntries(context.Background(), store.AuditFilter{Action: action}, models.Page{Page: 1, PerPage: 1})
	if err != nil {
		ts.t.Fatal(err)
	}
	return n
}

func TestAnnouncementsAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServerAt(t, db, func() time.Time { return testNow }).withUsers()
		pdf := ts.seedMedia("ke-hoach.pdf", "application/pdf")
		photo := ts.seedMedia("anh.jpg", "image/jpeg")
		const title = "Thông báo về việc tổ chức Đại hội đại biểu"
		const slug = "thong-bao-ve-viec-to-chuc-dai-hoi-dai-bieu"
		created := map[string]any{"title": title, "body": `<p onclick="x()">Nội dung</p><script>alert(1)</script>`,
			"attachment_ids": []int64{pdf, photo}}
		ifMatch := func(v string) map[string]string { return map[string]string{"If-Match": v} }
		etag := func(want string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				if got := res.Header().Get("ETag"); got != want {
					t.Errorf("ETag = %q, want %q", got, want)
				}
			}
		}
		const admin = "/api/v1/admin/announcements"
		ts.run([]scenario{
			{name: "no token", method: "POST", path: admin, body: created, want: 401},
			{name: "authors may not", method: "POST", path: admin, body: created, as: "author", want: 403},
			{name: "every bad field listed", method: "POST", path: admin, as: "editor", want: 422,
				body: map[string]any{"title": " ", "body": "", "slug": "Không Dấu", "starts_at": "hôm qua",
					"ends_at": "2026-13-01T00:00:00Z", "status": "archived", "attachment_ids": []int64{0}},
				check: wantFields("title", "body", "slug", "starts_at", "ends_at", "status", "attachment_ids[0]")},
			{name: "wrong JSON type", method: "POST", path: admin, as: "editor", want: 400,
				body: map[string]any{"title": "x", "body": "x", "pinned": "có"}, fields: map[string]any{"errors.0.field": "pinned"}},
			{name: "end before start", method: "POST", path: admin, as: "editor", want: 422,
				body:   map[string]any{"title": "x", "body": "x", "starts_at": "2026-09-01T08:00:00+07:00", "ends_at": "2026-08-31T08:00:00+07:00"},
				fields: map[string]any{"errors.0.field": "ends_at"}},
			{name: "end equal to start", method: "POST", path: admin, as: "editor", want: 422,
				body:   map[string]any{"title": "x", "body": "x", "starts_at": "2026-09-01T08:00:00+07:00", "ends_at": "2026-09-01T01:00:00Z"},
				fields: map[string]any{"errors.0.field": "ends_at"}},
			{name: "unknown media", method: "POST", path: admin, as: "editor", want: 422,
				body: map[string]any{"title": "x", "body": "x", "attachment_ids": []int64{9999}}, fields: map[string]any{"errors.0.field": "attachment_ids"}},
		})
		first := ts.create(admin, created)
		one := fmt.Sprintf("%s/%d", admin, first)
		ts.run([]scenario{
			{name: "created", method: "GET", path: one, as: "editor", want: 200,
				fields: map[string]any{"data.slug": slug, "data.title": title, "data.body": "<p>Nội dung</p>",
					"data.status": "draft", "data.version": 1, "data.pinned": false, "data.starts_at": "2026-08-23T14:00:00+07:00",
					"data.ends_at": nil, "data.attachments.0.id": pdf, "data.attachments.0.mime": "application/pdf",
					"data.attachments.0.url":  "http://localhost:8080/media/" + mediaKey(t, ts, pdf),
					"data.attachments.0.name": "ke-hoach.pdf", "data.attachments.0.size": 1234, "data.attachments.1.id": photo},
				check: etag(`"1"`)},
			{name: "same title gets -2", method: "POST", path: admin, as: "editor", body: created, want: 201,
				fields: map[string]any{"data.slug": slug + "-2", "data.version": 1}, check: etag(`"1"`)},
			{name: "and -3", method: "POST", path: admin, as: "editor", body: created, want: 201,
				fields: map[string]any{"data.slug": slug + "-3"}},
			{name: "a chosen slug that is taken", method: "POST", path: admin, as: "editor", want: 409,
				body: map[string]any{"title": "x", "body": "x", "slug": slug}},
			{name: "a title without letters", method: "POST", path: admin, as: "editor", want: 201,
				body: map[string]any{"title": "…", "body": "x", "status": "published", "pinned": true,
					"starts_at": "2026-08-24T08:00:00+07:00", "ends_at": "2026-08-30T17:00:00+07:00"},
				fields: map[string]any{"data.slug": "thong-bao", "data.status": "published", "data.pinned": true,
					"data.starts_at": "2026-08-24T08:00:00+07:00", "data.ends_at": "2026-08-30T17:00:00+07:00"}},
			{name: "list", method: "GET", path: admin + "?status=draft&per_page=2", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "meta.pagination.total_pages": 2, "data.0.slug": slug + "-3",
					"data.1.slug": slug + "-2"}},
			{name: "list: bad status", method: "GET", path: admin + "?status=archived", as: "editor", want: 400,
				fields: map[string]any{"errors.0.field": "status"}},
			{name: "show: missing", method: "GET", path: admin + "/999", as: "editor", want: 404},
			{name: "show: not an id", method: "GET", path: admin + "/abc", as: "editor", want: 404},
			{name: "update without If-Match", method: "PATCH", path: one, as: "editor", body: map[string]any{"pinned": true}, want: 428},
			{name: "update with a malformed If-Match", method: "PATCH", path: one, as: "editor", body: map[string]any{"pinned": true},
				headers: ifMatch("abc"), want: 400},
			{name: "update with a stale version", method: "PATCH", path: one, as: "editor", body: map[string]any{"pinned": true},
				headers: ifMatch(`"7"`), want: 412, fields: map[string]any{"code": "version_mismatch"}},
			{name: "update", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"1"`), want: 200,
				body: map[string]any{"title": "Thông báo mới", "pinned": true, "status": "published", "ends_at": "2026-09-01T00:00:00Z",
					"attachment_ids": []int64{photo}},
				fields: map[string]any{"data.title": "Thông báo mới", "data.slug": slug, "data.pinned": true, "data.status": "published",
					"data.version": 2, "data.ends_at": "2026-09-01T07:00:00+07:00", "data.body": "<p>Nội dung</p>",
					"data.attachments.0.id": photo},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					etag(`"2"`)(t, res)
					if n := len(decode[adminAnnouncementResponse](t, res).Data.Attachments); n != 1 {
						t.Errorf("%d attachments, want the 1 sent", n)
					}
				}},
			{name: "the old version is now stale", method: "PATCH", path: one, as: "editor", body: map[string]any{"pinned": false},
				headers: ifMatch(`"1"`), want: 412},
			{name: "ends_at of the wrong JSON type", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: `{"ends_at": 5}`, want: 400, fields: map[string]any{"errors.0.field": "ends_at"}},
			{name: "an end before the stored start", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: map[string]any{"ends_at": "2026-08-01T00:00:00Z"}, want: 422, fields: map[string]any{"errors.0.field": "ends_at"}},
			{name: "bad fields", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: map[string]any{"title": "", "starts_at": "2026-08-01", "slug": "-x-"}, want: 422,
				check: wantFields("title", "starts_at", "slug")},
			{name: "a taken slug", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: map[string]any{"slug": slug + "-2"}, want: 409},
			{name: "ends_at null removes the end, attachments kept", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"2"`),
				body: map[string]any{"ends_at": nil, "slug": "dai-hoi"}, want: 200,
				fields: map[string]any{"data.ends_at": nil, "data.slug": "dai-hoi", "data.version": 3, "data.attachments.0.id": photo}},
			{name: "delete without If-Match", method: "DELETE", path: one, as: "editor", want: 428,
				fields: map[string]any{"detail": `this change needs an If-Match header with the version you read; the current version is 3: send If-Match: "3"`}},
			{name: "delete a stale version", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"2"`), want: 412},
			{name: "not for good outside the trash", method: "DELETE", path: one + "?permanent=true", as: "admin", headers: ifMatch(`"3"`), want: 409},
			{name: "delete: to the trash", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"3"`), want: 204},
			{name: "in the trash, a draft", method: "GET", path: one, as: "editor", want: 200,
				fields: map[string]any{"data.status": "draft", "data.version": 4, "data.trashed_by_id": ts.ids["editor"], "data.attachments.0.id": photo}},
			{name: "left out of the list", method: "GET", path: "/api/v1/admin/announcements", as: "editor", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if strings.Contains(res.Body.String(), `"slug":"dai-hoi"`) {
						t.Errorf("the trashed announcement is listed: %s", res.Body)
					}
				}},
			{name: "the trash view lists it", method: "GET", path: "/api/v1/admin/announcements?trashed=true", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.slug": "dai-hoi"}},
			{name: "no PATCH in the trash", method: "PATCH", path: one, as: "editor", headers: ifMatch(`"4"`), body: map[string]any{"pinned": false}, want: 409},
			{name: "in the trash already", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"4"`), want: 409},
			{name: "restored as a draft", method: "POST", path: one + "/restore", as: "editor", headers: ifMatch(`"4"`), want: 200,
				fields: map[string]any{"data.status": "draft", "data.version": 5, "data.trashed_at": nil}},
			{name: "not in the trash now", method: "POST", path: one + "/restore", as: "editor", headers: ifMatch(`"5"`), want: 409},
			{name: "to the trash again", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"5"`), want: 204},
			{name: "an editor cannot delete for good", method: "DELETE", path: one + "?permanent=true", as: "editor", headers: ifMatch(`"6"`), want: 403},
			{name: "an admin deletes it for good", method: "DELETE", path: one + "?permanent=true", as: "admin", headers: ifMatch(`"6"`), want: 204},
			{name: "deleted", method: "GET", path: one, as: "editor", want: 404},
			{name: "delete again", method: "DELETE", path: one, as: "editor", headers: ifMatch(`"6"`), want: 404},
		})
		for action, want := range map[string]int64{"announcement.create": 4, "announcement.update": 2, "announcement.trash": 2, "announcement.untrash": 1, "announcement.purge": 1} {
			if got := ts.auditCount(action); got != want {
				t.Errorf("audit %s: %d entries, want %d", action, got, want)
			}
		}
		var links int64
		db.Model(&models.MediaLink{}).Where("owner_type = ? AND owner_id = ?", "announcement", first).Count(&links)
		if links != 0 {
			t.Errorf("%d media links left after delete", links)
		}
	})
}

func TestAnnouncementsPublicWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		now := testNow
		ts := newTestServerAt(t, db, func() time.Time { return now }).withUsers()
		at := func(d time.Duration) string { return now.Add(d).In(time.FixedZone("ICT", 7*3600)).Format(time.RFC3339) }
		pdf := ts.seedMedia("quyet-dinh.pdf", "application/pdf")
		for _, a := range []map[string]any{
			{"slug": "bat-dau-dung-luc", "starts_at": at(0)},
			{"slug": "chua-bat-dau", "starts_at": at(time.Second)},
			{"slug": "ket-thuc-dung-luc", "starts_at": at(-time.Hour), "ends_at": at(0)},
			{"slug": "con-mot-giay", "starts_at": at(-time.Hour), "ends_at": at(time.Second), "attachment_ids": []int64{pdf}},
			{"slug": "ban-nhap", "starts_at": at(-time.Hour), "status": "draft"},
			{"slug": "ghim-cu", "starts_at": at(-48 * time.Hour), "pinned": true},
		} {
			a["title"], a["body"] = "Thông báo "+a["slug"].(string), "<p>Nội dung</p>"
			if a["status"] == nil {
				a["status"] = "published"
			}
			ts.create("/api/v1/admin/announcements", a)
		}
		slugs := func(want ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				var got []string
				for _, a := range decode[announcementListResponse](t, res).Data {
					got = append(got, a.Slug)
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("slugs %v, want %v", got, want)
				}
			}
		}
		ts.run([]scenario{
			{name: "active now: pinned first, then newest start; starts_at == now is in, ends_at == now is out",
				method: "GET", path: "/api/v1/announcements", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "data.2.attachments.0.name": "quyet-dinh.pdf",
					"data.2.ends_at": "2026-08-23T14:00:01+07:00"},
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					slugs("ghim-cu", "bat-dau-dung-luc", "con-mot-giay")(t, res)
					if res.Header().Get("Cache-Control") != publicCacheControl || res.Header().Get("ETag") == "" {
						t.Errorf("not cached as public: %v", res.Header())
					}
					if strings.Contains(res.Body.String(), `"status"`) || strings.Contains(res.Body.String(), `"version"`) {
						t.Errorf("editorial fields in the public view: %s", res.Body)
					}
				}},
			{name: "paged", method: "GET", path: "/api/v1/announcements?per_page=2&page=2", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "meta.pagination.prev": 1, "meta.pagination.next": nil},
				check:  slugs("con-mot-giay")},
			{name: "bad page", method: "GET", path: "/api/v1/announcements?page=0", want: 400, fields: map[string]any{"errors.0.field": "page"}},
			{name: "unknown parameter", method: "GET", path: "/api/v1/announcements?status=draft", want: 400},
			{name: "one", method: "GET", path: "/api/v1/announcements/bat-dau-dung-luc", want: 200,
				fields: map[string]any{"data.slug": "bat-dau-dung-luc", "data.starts_at": "2026-08-23T14:00:00+07:00", "data.attachments": []any{}}},
			{name: "not started", method: "GET", path: "/api/v1/announcements/chua-bat-dau", want: 404},
			{name: "ended", method: "GET", path: "/api/v1/announcements/ket-thuc-dung-luc", want: 404},
			{name: "draft", method: "GET", path: "/api/v1/announcements/ban-nhap", want: 404},
			{name: "unknown", method: "GET", path: "/api/v1/announcements/khong-co", want: 404},
		})

		res := ts.do("GET", "/api/v1/announcements", nil, "", nil)
		again := ts.do("GET", "/api/v1/announcements", nil, "", map[string]string{"If-None-Match": res.Header().Get("ETag")})
		if again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d %q, want 304 without a body", again.Code, again.Body)
		}

		now = now.Add(time.Second)
		ts.run([]scenario{
			{name: "one second later", method: "GET", path: "/api/v1/announcements", want: 200,
				check: slugs("ghim-cu", "chua-bat-dau", "bat-dau-dung-luc")},
			{name: "now started", method: "GET", path: "/api/v1/announcements/chua-bat-dau", want: 200},
			{name: "now ended", method: "GET", path: "/api/v1/announcements/con-mot-giay", want: 404},
		})
		if got := ts.do("GET", "/api/v1/announcements", nil, "", map[string]string{"If-None-Match": res.Header().Get("ETag")}); got.Code != 200 {
			t.Errorf("a changed list answered If-None-Match with %d", got.Code)
		}
	})
}

func mediaKey(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var m models.Media
	if err := ts.db.Take(&m, id).Error; err != nil {
		t.Fatal(err)
	}
	return m.Key
}
