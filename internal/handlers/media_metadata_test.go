package handlers

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestMediaMetadata(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		own := ts.uploadFile("hoi-nghi.jpg", jpegImage(t, 16, 9)) // uploaded by "author"
		if own.Version != 1 || own.Alt != "" || own.FocalPoint != nil {
			t.Fatalf("new upload: %+v", own)
		}
		path := "/api/v1/admin/media/" + strconv.FormatInt(own.ID, 10)
		private := ts.seedMedia("cccd-mat-truoc.jpg", "image/jpeg") // a reader's attachment to a submission
		if err := db.Create(&models.MediaLink{MediaID: private, OwnerType: models.OwnerSubmission, OwnerID: 1, Role: models.LinkAttachment}).Error; err != nil {
			t.Fatal(err)
		}
		privatePath := "/api/v1/admin/media/" + strconv.FormatInt(private, 10)
		v := func(n int) map[string]string { return map[string]string{"If-Match": versionETag(n)} }
		long := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a'
			}
			return string(b)
		}
		ts.run([]scenario{
			{name: "read gives the version", method: "GET", path: path, as: "editor", want: 200, check: wantETag(versionETag(1))},
			{name: "without If-Match", method: "PATCH", path: path, body: map[string]any{"alt": "x"}, as: "author", want: 428},
			{name: "stale", method: "PATCH", path: path, body: map[string]any{"alt": "x"}, as: "author", headers: v(2), want: 412},
			{name: "another author's upload", method: "PATCH", path: path, body: map[string]any{"alt": "x"}, as: "author2", headers: v(1), want: 403},
			{name: "alt too long", method: "PATCH", path: path, body: map[string]any{"alt": long(301)}, as: "author", headers: v(1), want: 422,
				fields: map[string]any{"errors.0.field": "alt"}},
			{name: "caption too long", method: "PATCH", path: path, body: map[string]any{"caption": long(1001)}, as: "author", headers: v(1), want: 422,
				fields: map[string]any{"errors.0.field": "caption"}},
			{name: "credit too long", method: "PATCH", path: path, body: map[string]any{"credit": long(201)}, as: "author", headers: v(1), want: 422,
				fields: map[string]any{"errors.0.field": "credit"}},
			{name: "focal point out of range", method: "PATCH", path: path, body: map[string]any{"focal_point": map[string]any{"x": 1.5, "y": 0.5}},
				as: "author", headers: v(1), want: 422, fields: map[string]any{"errors.0.field": "focal_point.x"}},
			{name: "focal point without y", method: "PATCH", path: path, body: map[string]any{"focal_point": map[string]any{"x": 0.5}},
				as: "author", headers: v(1), want: 422, fields: map[string]any{"errors.0.field": "focal_point.y"}},
			{name: "focal point negative y", method: "PATCH", path: path, body: map[string]any{"focal_point": map[string]any{"x": 0, "y": -0.1}},
				as: "author", headers: v(1), want: 422, fields: map[string]any{"errors.0.field": "focal_point.y"}},
			{name: "the uploader edits", method: "PATCH", path: path,
				body: map[string]any{"alt": "Toàn cảnh hội nghị", "caption": "Hội nghị", "credit": "Ảnh: Minh Anh", "focal_point": map[string]any{"x": 0.25, "y": 1}},
				as:   "author", headers: v(1), want: 200, check: wantETag(versionETag(2)),
				fields: map[string]any{"data.alt": "Toàn cảnh hội nghị", "data.caption": "Hội nghị", "data.credit": "Ảnh: Minh Anh",
					"data.focal_point.x": 0.25, "data.focal_point.y": 1, "data.version": 2}},
			{name: "an editor edits anyone's; left-out fields stay", method: "PATCH", path: path, body: map[string]any{"focal_point": nil},
				as: "editor", headers: v(2), want: 200,
				fields: map[string]any{"data.alt": "Toàn cảnh hội nghị", "data.focal_point": nil, "data.version": 3}},
			{name: "the list shows it", method: "GET", path: "/api/v1/admin/media", as: "author2", want: 200,
				fields: map[string]any{"data.0.alt": "Toàn cảnh hội nghị", "data.0.credit": "Ảnh: Minh Anh", "data.0.version": 3}},
			{name: "unknown media", method: "PATCH", path: "/api/v1/admin/media/999999", body: map[string]any{"alt": "x"}, as: "editor", headers: v(1), want: 404},
			{name: "unknown media without If-Match", method: "PATCH", path: "/api/v1/admin/media/999999", body: map[string]any{"alt": "x"}, as: "editor", want: 404},
			{name: "a submission's attachment is not in the library", method: "PATCH", path: privatePath, body: map[string]any{"alt": "x"}, as: "editor", headers: v(1), want: 404},
			{name: "nor is its version told", method: "PATCH", path: privatePath, body: map[string]any{"alt": "x"}, as: "editor", want: 404},
			{name: "audited", method: "GET", path: "/api/v1/admin/audit-log?action=media.update", as: "admin", want: 200,
				fields: map[string]any{"data.0.target_id": strconv.FormatInt(own.ID, 10)}},
		})
	})
}

// Editing an image's metadata shows at once on the cached public pages that show it, and the
// editorial article flags images without alt text.
func TestMediaMetadataOnArticles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		clock := testdb.NewClock(testdb.Epoch)
		ts.setClock(clock.Now)
		cover := ts.uploadFile("bia.jpg", jpegImage(t, 16, 9))
		og := ts.uploadFile("og.png", pngImage(t, 12, 6))
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Tin có ảnh", "category_id": cat, "cover_media_id": cover.ID})
		editorial := "/api/v1/admin/articles/" + strconv.FormatInt(a.ID, 10)
		ts.run([]scenario{
			{name: "cover without alt is flagged", method: "GET", path: editorial, as: "editor", want: 200,
				check: wantWarnings(1), fields: map[string]any{"data.warnings.0.field": "cover_media_id", "data.warnings.0.code": "missing_alt",
					"data.cover.alt": ""}},
		})
		ts.withCache(time.Hour)
		page := "/api/v1/articles/" + a.Slug
		get := func(path string) *httptest.ResponseRecorder {
			t.Helper()
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return res
		}
		before := decode[publicArticleResponse](t, get(page)).Data
		if before.Cover == nil || before.Cover.Alt != "" || before.SEO.Image == nil || before.SEO.Image.Alt != "" {
			t.Fatalf("before: cover %+v, seo image %+v", before.Cover, before.SEO.Image)
		}
		get("/api/v1/articles") // cached too
		patch := func(id int64, version int, body map[string]any) {
			t.Helper()
			res := ts.do("PATCH", "/api/v1/admin/media/"+strconv.FormatInt(id, 10), body, "editor", map[string]string{"If-Match": versionETag(version)})
			if res.Code != 200 {
				t.Fatalf("PATCH media %d: %d %s", id, res.Code, res.Body)
			}
		}
		patch(cover.ID, 1, map[string]any{"alt": "Lễ ký kết", "credit": "Ảnh: TTXVN", "focal_point": map[string]any{"x": 0.3, "y": 0.6}})
		after := decode[publicArticleResponse](t, get(page)).Data
		if after.Cover == nil || after.Cover.Alt != "Lễ ký kết" || after.Cover.Credit != "Ảnh: TTXVN" || after.Cover.FocalPoint == nil ||
			after.Cover.FocalPoint.X != 0.3 || after.SEO.Image == nil || after.SEO.Image.Alt != "Lễ ký kết" {
			t.Fatalf("the cached page did not show the new metadata: cover %+v, seo image %+v", after.Cover, after.SEO.Image)
		}
		list := decode[publicArticleListResponse](t, get("/api/v1/articles")).Data
		if len(list) != 1 || list[0].Cover == nil || list[0].Cover.Alt != "Lễ ký kết" {
			t.Fatalf("the cached list did not show the new alt: %+v", list)
		}

		// An Open Graph image without alt text is flagged; with it, nothing is.
		res := ts.do("PATCH", editorial, map[string]any{"og_image_media_id": og.ID}, "editor", map[string]string{"If-Match": versionETag(a.Version)})
		if res.Code != 200 {
			t.Fatalf("set og image: %d %s", res.Code, res.Body)
		}
		got := decode[editorialArticleResponse](t, res).Data
		if len(got.Warnings) != 1 || got.Warnings[0].Field != "og_image_media_id" || got.Warnings[0].Code != "missing_alt" {
			t.Fatalf("warnings %+v, want the og image's missing alt only", got.Warnings)
		}
		if decode[publicArticleResponse](t, get(page)).Data.SEO.Image.Alt != "" {
			t.Fatal("seo.image is not the og image")
		}
		patch(og.ID, 1, map[string]any{"alt": "Ảnh chia sẻ"})
		if alt := decode[publicArticleResponse](t, get(page)).Data.SEO.Image.Alt; alt != "Ảnh chia sẻ" {
			t.Fatalf("seo.image.alt = %q after the edit", alt)
		}
		ts.run([]scenario{
			{name: "nothing flagged once every image has alt text", method: "GET", path: editorial, as: "editor", want: 200,
				check: wantWarnings(0), fields: map[string]any{"data.og_image.alt": "Ảnh chia sẻ"}},
		})
	})
}

// wantWarnings checks how many warnings an editorial article carries.
func wantWarnings(n int) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		if got := decode[editorialArticleResponse](t, res).Data.Warnings; len(got) != n {
			t.Errorf("warnings %+v, want %d", got, n)
		}
	}
}

// An announcement's attachments show their alt text, and an edit shows on the cached page.
func TestMediaMetadataOnAttachments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		clock := testdb.NewClock(testdb.Epoch)
		ts.setClock(clock.Now)
		photo := ts.uploadFile("anh.jpg", jpegImage(t, 16, 9))
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo có ảnh", "body": "<p>Nội dung</p>",
			"status": "published", "attachment_ids": []int64{photo.ID}})
		ts.withCache(time.Hour)
		page := "/api/v1/announcements/thong-bao-co-anh"
		ts.run([]scenario{
			{name: "no alt yet", method: "GET", path: page, want: 200, fields: map[string]any{"data.attachments.0.alt": ""}},
			{name: "nor in the list", method: "GET", path: "/api/v1/announcements", want: 200, fields: map[string]any{"data.0.attachments.0.alt": ""}},
		})
		res := ts.do("PATCH", "/api/v1/admin/media/"+strconv.FormatInt(photo.ID, 10), map[string]any{"alt": "Ảnh minh hoạ"}, "editor",
			map[string]string{"If-Match": versionETag(1)})
		if res.Code != 200 {
			t.Fatalf("PATCH media: %d %s", res.Code, res.Body)
		}
		ts.run([]scenario{
			{name: "the cached page shows the edit", method: "GET", path: page, want: 200, fields: map[string]any{"data.attachments.0.alt": "Ảnh minh hoạ"}},
			{name: "so does the cached list", method: "GET", path: "/api/v1/announcements", want: 200, fields: map[string]any{"data.0.attachments.0.alt": "Ảnh minh hoạ"}},
		})
	})
}
