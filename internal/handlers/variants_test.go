package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// wantVariants checks an image object's variants: at 320, 640, 1024 and 1600 wide (a 1600×900
// image's), heights in proportion, each width as JPEG then WebP, and a WebP placeholder.
func wantVariants(t *testing.T, what string, variants []models.ImageVariant, placeholder string) {
	t.Helper()
	var got []string
	for _, v := range variants {
		got = append(got, fmt.Sprintf("%d×%d %s", v.Width, v.Height, v.Mime))
	}
	want := []string{"320×180 image/jpeg", "320×180 image/webp", "640×360 image/jpeg", "640×360 image/webp",
		"1024×576 image/jpeg", "1024×576 image/webp", "1600×900 image/jpeg", "1600×900 image/webp"}
	if !slices.Equal(got, want) {
		t.Errorf("%s: variants %v, want %v", what, got, want)
	}
	if !strings.HasPrefix(placeholder, "data:image/webp;base64,") {
		t.Errorf("%s: placeholder %q", what, placeholder)
	}
}

// serveVariant fetches a variant through the router and checks what it serves is that image.
func (ts *testServer) serveVariant(t *testing.T, v models.ImageVariant) {
	t.Helper()
	res := ts.do("GET", ts.path(v.URL), nil, "", nil)
	if res.Code != 200 {
		t.Fatalf("GET %s: %d %s", v.URL, res.Code, res.Body)
	}
	h := res.Header()
	if h.Get("Content-Type") != v.Mime || h.Get("Cache-Control") != mediaCacheControl || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Content-Length") != strconv.Itoa(res.Body.Len()) {
		t.Errorf("GET %s: headers %v", v.URL, h)
	}
	sum := sha256.Sum256(res.Body.Bytes())
	if etag := `"` + hex.EncodeToString(sum[:]) + `"`; h.Get("ETag") != etag {
		t.Errorf("GET %s: ETag %s, want the content's %s", v.URL, h.Get("ETag"), etag)
	} else if again := ts.do("GET", ts.path(v.URL), nil, "", map[string]string{"If-None-Match": etag}); again.Code != 304 {
		t.Errorf("GET %s with its ETag: %d", v.URL, again.Code)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(res.Body.Bytes()))
	if err != nil || cfg.Width != v.Width || cfg.Height != v.Height || "image/"+format != v.Mime {
		t.Errorf("GET %s: decodes as %s %d×%d (%v), want %s %d×%d", v.URL, format, cfg.Width, cfg.Height, err, v.Mime, v.Width, v.Height)
	}
}

func TestImageVariants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		photo := ts.uploadFile("hội nghị.jpg", jpegImage(t, 1600, 900))
		wantVariants(t, "upload", photo.Variants, photo.Placeholder)
		for _, v := range photo.Variants {
			ts.serveVariant(t, v)
		}
		if res := ts.do("GET", ts.path(photo.Variants[1].URL), nil, "", nil); !strings.Contains(res.Header().Get("Content-Disposition"), "-320w.webp") {
			t.Errorf("a variant downloads as %q", res.Header().Get("Content-Disposition"))
		}
		item := decode[mediaResponse](t, ts.do("GET", "/api/v1/admin/media/"+itoa(photo.ID), nil, "author", nil)).Data
		wantVariants(t, "the library item", item.Variants, item.Placeholder)

		// Wherever the image appears, its variants do: the cover, the OG image, an avatar.
		cat := ts.createCategory("Tin mới", 0)
		a := ts.published(map[string]any{"title": "Tin có ảnh", "category_id": cat, "cover_media_id": photo.ID})
		page := decode[publicArticleResponse](t, ts.do("GET", "/api/v1/articles/"+a.Slug, nil, "", nil)).Data
		if page.Cover == nil || page.SEO.Image == nil {
			t.Fatalf("article page without its cover: %+v", page)
		}
		wantVariants(t, "the public cover", page.Cover.Variants, page.Cover.Placeholder)
		wantVariants(t, "the OG image (the cover)", page.SEO.Image.Variants, page.SEO.Image.Placeholder)
		list := decode[publicArticleListResponse](t, ts.do("GET", "/api/v1/articles", nil, "", nil)).Data
		if len(list) != 1 || list[0].Cover == nil {
			t.Fatalf("list %+v", list)
		}
		wantVariants(t, "a listed cover", list[0].Cover.Variants, list[0].Cover.Placeholder)
		mine := decode[authorProfileResponse](t, ts.do("GET", "/api/v1/auth/me/profile", nil, "editor", nil)).Data
		ts.run([]scenario{{name: "an avatar", method: "PATCH", path: "/api/v1/auth/me/profile", as: "editor", headers: ifMatch(mine.Version),
			body: map[string]any{"avatar_media_id": photo.ID}, want: 200}})
		page = decode[publicArticleResponse](t, ts.do("GET", "/api/v1/articles/"+a.Slug, nil, "", nil)).Data
		if len(page.Authors) != 1 || page.Authors[0].Avatar == nil {
			t.Fatalf("authors %+v", page.Authors)
		}
		wantVariants(t, "the author's avatar", page.Authors[0].Avatar.Variants, page.Authors[0].Avatar.Placeholder)

		// A narrow image is never upscaled; a PDF has no variants.
		small := ts.uploadFile("nho.png", pngImage(t, 500, 250))
		if len(small.Variants) != 2 || small.Variants[0] != (models.ImageVariant{URL: small.Variants[0].URL, Width: 320, Height: 160, Mime: "image/png"}) ||
			small.Variants[1].Width != 320 || small.Variants[1].Mime != "image/webp" {
			t.Errorf("500×250 PNG: variants %+v, want 320 wide only, PNG and WebP", small.Variants)
		}
		for _, v := range small.Variants {
			ts.serveVariant(t, v)
		}
		pdf := ts.uploadFile("cong-van.pdf", pdfDoc)
		if pdf.Variants == nil || len(pdf.Variants) != 0 || pdf.Placeholder != "" {
			t.Errorf("a PDF: variants %v, placeholder %q", pdf.Variants, pdf.Placeholder)
		}

		// An image whose header is readable but whose picture is not: 422 naming file, nothing kept.
		jpg := jpegImage(t, 800, 600)
		body, headers := upload(t, "hong.jpg", jpg[:len(jpg)/2])
		ts.run([]scenario{
			{name: "a cut-off JPEG", method: "POST", path: "/api/v1/admin/media", body: body, headers: headers, as: "author", want: 422,
				fields: map[string]any{"code": "validation_failed", "errors.0.field": "file"}},
			{name: "a variant that is not one", method: "GET", path: strings.Replace(ts.path(photo.Variants[0].URL), "-320w", "-321w", 1), want: 404},
			{name: "a variant of no image", method: "GET", path: "/media/2026/08/khongco-320w.webp", want: 404},
		})
		ts.storageMatchesRows("after a damaged upload")

		// Deleting an item deletes its variants' files; their URLs are gone.
		ts.run([]scenario{{name: "delete the small image", method: "DELETE", path: "/api/v1/admin/media/" + itoa(small.ID), as: "editor", want: 204}})
		for _, v := range small.Variants {
			if res := ts.do("GET", ts.path(v.URL), nil, "", nil); res.Code != 404 {
				t.Errorf("GET %s after the delete: %d", v.URL, res.Code)
			}
		}
		ts.storageMatchesRows("after the delete")
	})
}

// Images stored before variants existed get them from the backfill (`api media variants`),
// which makes none for those that have them, whatever number of times it runs.
func TestImageVariantsBackfill(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		old := ts.uploadFile("cu.jpg", jpegImage(t, 1600, 900))
		recent := ts.uploadFile("moi.png", pngImage(t, 400, 300))
		ts.uploadFile("cong-van.pdf", pdfDoc)
		// As if uploaded before: no variants in the row, none in storage.
		if err := ts.db.Model(&models.Media{}).Where("id = ?", old.ID).Updates(map[string]any{"variants": nil, "placeholder": ""}).Error; err != nil {
			t.Fatal(err)
		}
		for _, v := range old.Variants {
			if err := os.Remove(filepath.Join(ts.cfg.MediaDir, strings.TrimPrefix(v.URL, ts.cfg.MediaURL+"/"))); err != nil {
				t.Fatal(err)
			}
		}
		ts.run([]scenario{
			{name: "before the backfill", method: "GET", path: "/api/v1/admin/media/" + itoa(old.ID), as: "author", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if m := decode[mediaResponse](t, res).Data; len(m.Variants) != 0 || m.Placeholder != "" {
						t.Errorf("variants %v", m.Variants)
					}
				}},
			{name: "its variants are not served", method: "GET", path: ts.path(old.Variants[0].URL), want: 404},
		})

		ctx := context.Background()
		var failed []string
		onError := func(m models.Media, err error) { failed = append(failed, m.Key+": "+err.Error()) }
		counts, err := ts.images.Backfill(ctx, ts.media, ts.store, onError)
		if err != nil || counts.Made != 1 || counts.Failed != 0 || failed != nil {
			t.Fatalf("backfill: %+v, %v, %v", counts, err, failed)
		}
		item := decode[mediaResponse](t, ts.do("GET", "/api/v1/admin/media/"+itoa(old.ID), nil, "author", nil)).Data
		wantVariants(t, "after the backfill", item.Variants, item.Placeholder)
		for _, v := range item.Variants {
			ts.serveVariant(t, v)
		}
		if again := decode[mediaResponse](t, ts.do("GET", "/api/v1/admin/media/"+itoa(recent.ID), nil, "author", nil)).Data; !slices.Equal(again.Variants, recent.Variants) {
			t.Errorf("an image that had variants: %v, then %v", recent.Variants, again.Variants)
		}
		if counts, err := ts.images.Backfill(ctx, ts.media, ts.store, onError); err != nil || counts != (media.BackfillCounts{}) {
			t.Errorf("second backfill: %+v, %v", counts, err)
		}
		ts.storageMatchesRows("after the backfills")
		if n := ts.auditCount("media.variants"); n != 1 {
			t.Errorf("%d media.variants audit entries, want 1", n)
		}

		// A damaged stored image is reported and left without; the next run tries it again.
		if err := os.WriteFile(filepath.Join(ts.cfg.MediaDir, filepath.FromSlash(strings.TrimPrefix(recent.URL, ts.cfg.MediaURL+"/"))),
			pngImage(t, 400, 300)[:60], 0o644); err != nil {
			t.Fatal(err)
		}
		ts.db.Model(&models.Media{}).Where("id = ?", recent.ID).Update("variants", nil)
		counts, err = ts.images.Backfill(ctx, ts.media, ts.store, onError)
		if err != nil || counts.Made != 0 || counts.Failed != 1 || len(failed) != 1 {
			t.Errorf("a damaged image: %+v, %v, %v", counts, err, failed)
		}
	})
}
