package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/testdb"
)

// formFile is one file part of a multipart body.
type formFile struct {
	field, name, contentType string
	content                  []byte
}

// multipartBody builds a multipart/form-data body and the headers to send it with.
func multipartBody(t *testing.T, fields map[string]string, files ...formFile) ([]byte, map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.name+`"`)
		if f.contentType != "" {
			h.Set("Content-Type", f.contentType)
		}
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(f.content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), map[string]string{"Content-Type": w.FormDataContentType()}
}

// upload is a scenario's body and headers for POST /admin/media with one file.
func upload(t *testing.T, name string, content []byte) ([]byte, map[string]string) {
	return multipartBody(t, nil, formFile{field: "file", name: name, content: content})
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpImage is a 1×1 lossless WebP (no Go encoder exists to make one).
func webpImage(t *testing.T) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var pdfDoc = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// storedFiles lists the regular files under the media directory.
func (ts *testServer) storedFiles() []string {
	ts.t.Helper()
	var out []string
	err := filepath.WalkDir(ts.cfg.MediaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		ts.t.Fatal(err)
	}
	return out
}

// filesOfRows lists the files the media rows refer to, originals and variants, as storedFiles
// lists them: what storage should hold, no more.
func (ts *testServer) filesOfRows() []string {
	ts.t.Helper()
	var rows []models.Media
	if err := ts.db.Find(&rows).Error; err != nil {
		ts.t.Fatal(err)
	}
	var out []string
	for _, m := range rows {
		for _, key := range m.FileKeys() {
			out = append(out, filepath.Join(ts.cfg.MediaDir, filepath.FromSlash(key)))
		}
	}
	return out
}

// storageMatchesRows fails the test unless storage holds exactly the files of the media rows.
func (ts *testServer) storageMatchesRows(why string) {
	ts.t.Helper()
	stored, want := ts.storedFiles(), ts.filesOfRows()
	slices.Sort(stored)
	slices.Sort(want)
	if !slices.Equal(stored, want) {
		ts.t.Errorf("%s: stored files %v, want the rows' %v", why, stored, want)
	}
}

// uploadFile uploads through the API and returns the new item.
func (ts *testServer) uploadFile(name string, content []byte) mediaItem {
	ts.t.Helper()
	body, headers := upload(ts.t, name, content)
	res := ts.do("POST", "/api/v1/admin/media", body, "author", headers)
	if res.Code != http.StatusCreated {
		ts.t.Fatalf("upload %s: %d %s", name, res.Code, res.Body)
	}
	return decode[mediaResponse](ts.t, res).Data
}

// path is the request path of a media URL.
func (ts *testServer) path(url string) string { return strings.TrimPrefix(url, ts.cfg.PublicURL) }

func TestMediaUpload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		pngBytes := pngImage(t, 3, 2)
		file := func(name string, content []byte) ([]byte, map[string]string) { return upload(t, name, content) }
		withType := func(name, contentType string, content []byte) ([]byte, map[string]string) {
			return multipartBody(t, nil, formFile{field: "file", name: name, contentType: contentType, content: content})
		}
		ok := func(mime string, width, height any) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				item := decode[mediaResponse](t, res).Data
				if item.Mime != mime || item.ID == 0 || item.Size == 0 || !strings.HasPrefix(item.URL, ts.cfg.PublicURL+"/media/") {
					t.Errorf("item = %+v, want mime %s", item, mime)
				}
				if got := [2]any{deref(item.Width), deref(item.Height)}; got != [2]any{width, height} {
					t.Errorf("dimensions = %v, want %v×%v", got, width, height)
				}
			}
		}
		type bodyAndHeaders = func() ([]byte, map[string]string)
		cases := []struct {
			name   string
			body   bodyAndHeaders
			as     string
			want   int
			fields map[string]any
			check  func(t *testing.T, res *httptest.ResponseRecorder)
		}{
			{name: "PNG with its dimensions", body: func() ([]byte, map[string]string) { return file("ảnh hội nghị.png", pngBytes) }, as: "author", want: 201,
				fields: map[string]any{"data.name": "ảnh hội nghị.png", "data.size": len(pngBytes)}, check: ok("image/png", 3, 2)},
			{name: "JPEG", body: func() ([]byte, map[string]string) { return file("a.jpg", jpegImage(t, 40, 30)) }, as: "editor", want: 201, check: ok("image/jpeg", 40, 30)},
			{name: "GIF", body: func() ([]byte, map[string]string) { return file("a.gif", gifImage(t, 5, 7)) }, as: "admin", want: 201, check: ok("image/gif", 5, 7)},
			{name: "WebP", body: func() ([]byte, map[string]string) { return file("a.webp", webpImage(t)) }, as: "author", want: 201, check: ok("image/webp", 1, 1)},
			{name: "PDF has no dimensions", body: func() ([]byte, map[string]string) { return file("Nghị quyết 12.pdf", pdfDoc) }, as: "author", want: 201,
				fields: map[string]any{"data.width": nil, "data.height": nil}, check: ok("application/pdf", nil, nil)},
			{name: "a PNG named .pdf is stored as PNG", body: func() ([]byte, map[string]string) { return withType("x.pdf", "application/pdf", pngBytes) }, as: "author", want: 201,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					ok("image/png", 3, 2)(t, res)
					if url := decode[mediaResponse](t, res).Data.URL; !strings.HasSuffix(url, ".png") {
						t.Errorf("key %s does not follow the sniffed type", url)
					}
				}},
			{name: "directories in the client's name are dropped", body: func() ([]byte, map[string]string) { return file(`C:\Users\an\..\..\ảnh.png`, pngBytes) }, as: "author", want: 201,
				fields: map[string]any{"data.name": "ảnh.png"}},
			{name: "HTML disguised as a JPEG", body: func() ([]byte, map[string]string) {
				return withType("photo.jpg", "image/jpeg", []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"))
			}, as: "author", want: 415, fields: map[string]any{"code": "unsupported_media_type", "errors.0.field": "file"}},
			{name: "a Windows program disguised as a JPEG", body: func() ([]byte, map[string]string) {
				return withType("photo.jpg", "image/jpeg", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 600)...))
			}, as: "author", want: 415, fields: map[string]any{"code": "unsupported_media_type"}},
			{name: "SVG (it can carry script)", body: func() ([]byte, map[string]string) {
				return file("logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
			}, as: "author", want: 415},
			{name: "PNG signature on a damaged image", body: func() ([]byte, map[string]string) {
				return file("broken.png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...))
			}, as: "author", want: 415, fields: map[string]any{"errors.0.field": "file"}},
			{name: "empty file", body: func() ([]byte, map[string]string) { return file("empty.png", nil) }, as: "author", want: 422,
				fields: map[string]any{"code": "validation_failed", "errors.0.field": "file"}},
			{name: "no file part", body: func() ([]byte, map[string]string) { return multipartBody(t, map[string]string{"name": "x"}) }, as: "author", want: 422,
				fields: map[string]any{"errors.0.field": "file"}},
			{name: "not multipart", body: func() ([]byte, map[string]string) { return []byte(`{"file": "x"}`), nil }, as: "author", want: 415},
			{name: "malformed multipart", body: func() ([]byte, map[string]string) {
				return []byte("--b\r\nbroken"), map[string]string{"Content-Type": "multipart/form-data; boundary=b"}
			}, as: "author", want: 400},
			{name: "without a token", body: func() ([]byte, map[string]string) { return file("a.png", pngBytes) }, want: 401},
		}
		for _, tc := range cases {
			body, headers := tc.body()
			ts.run([]scenario{{name: tc.name, method: "POST", path: "/api/v1/admin/media", body: body, headers: headers, as: tc.as,
				want: tc.want, fields: tc.fields, check: tc.check}})
		}

		var stored int64
		ts.db.Model(&models.Media{}).Count(&stored)
		if stored != 7 {
			t.Errorf("%d rows, want 7", stored)
		}
		ts.storageMatchesRows("a refused upload must leave nothing behind")
		var audits int64
		ts.db.Model(&models.AuditEntry{}).Where("action = ?", "media.create").Count(&audits)
		if audits != 7 {
			t.Errorf("%d media.create audit entries, want 7", audits)
		}
	})
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestMediaUploadLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.cfg.MaxUploadBytes = 1 << 20
		ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store, HashParams: testHashParams})
		ts.withUsers()

		png := pngImage(t, 2, 2)
		atLimit := append(png, make([]byte, 1<<20-len(png))...) // trailing bytes after IEND are allowed
		overLimit := append(png, make([]byte, 3<<19)...)        // 1.5 MiB: streamed, then cut off
		huge := append(png, make([]byte, 3<<20)...)             // 3 MiB: refused by its Content-Length
		for _, tc := range []struct {
			name    string
			content []byte
			want    int
		}{
			{"exactly at the limit", atLimit, 201},
			{"over the limit while streaming", overLimit, 413},
			{"declared over the limit", huge, 413},
		} {
			body, headers := upload(t, "big.png", tc.content)
			ts.run([]scenario{{name: tc.name, method: "POST", path: "/api/v1/admin/media", body: body, headers: headers, as: "author", want: tc.want,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if p := decode[problem](t, res); tc.want == 413 && (p.Code != "payload_too_large" || !strings.Contains(p.Detail, "at most 1 MiB")) {
						t.Errorf("body %s", res.Body)
					}
				}}})
		}
		var rows int64
		ts.db.Model(&models.Media{}).Count(&rows)
		if rows != 1 {
			t.Errorf("%d rows, want only the one at the limit", rows)
		}
		ts.storageMatchesRows("uploads over the limit")
	})
}

// An upload is recorded with its audit entry in one transaction; when that fails, the file
// already stored is removed again, so nothing is left behind.
func TestMediaUploadWhoseRecordFailsLeavesNoFile(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		name := "test:fail_audit:" + t.Name()
		err := db.Callback().Create().Before("gorm:create").Register(name, func(tx *gorm.DB) {
			if tx.Statement.Table == "audit_log" {
				_ = tx.AddError(errors.New("injected failure"))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Callback().Create().Remove(name) })
		body, headers := upload(t, "anh.png", pngImage(t, 4, 3))
		ts.run([]scenario{{name: "audit entry fails", method: "POST", path: "/api/v1/admin/media", body: body, headers: headers,
			as: "author", want: 500}})
		var rows int64
		ts.db.Model(&models.Media{}).Count(&rows)
		if files := ts.storedFiles(); rows != 0 || len(files) != 0 {
			t.Errorf("%d rows and files %v, want none", rows, files)
		}
	})
}

func TestMediaServing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		pngBytes := pngImage(t, 4, 4)
		img := ts.uploadFile("ảnh.png", pngBytes)
		pdf := ts.uploadFile("Thông báo số 5.pdf", pdfDoc)

		// Files a traversal would reach: one beside the media directory, one inside it that
		// the database does not know.
		if err := os.WriteFile(filepath.Join(ts.cfg.DataDir, "secret.txt"), []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(ts.cfg.MediaDir, "2026", "01"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ts.cfg.MediaDir, "2026", "01", "planted.html"), []byte("<script>"), 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pngBytes)
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		notFound := func(t *testing.T, res *httptest.ResponseRecorder) {
			if strings.Contains(res.Body.String(), "secret") || strings.Contains(res.Body.String(), "<script>") {
				t.Errorf("a file outside the library was served: %s", res.Body)
			}
		}
		ts.run([]scenario{
			{name: "image", method: "GET", path: ts.path(img.URL), want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					h := res.Header()
					want := map[string]string{
						"Content-Type":           "image/png",
						"X-Content-Type-Options": "nosniff",
						"Cache-Control":          "public, max-age=31536000, immutable",
						"Content-Disposition":    "inline; filename*=utf-8''%E1%BA%A3nh.png",
					}
					for k, v := range want {
						if h.Get(k) != v {
							t.Errorf("%s = %q, want %q", k, h.Get(k), v)
						}
					}
					if !bytes.Equal(res.Body.Bytes(), pngBytes) {
						t.Error("served bytes differ from the upload")
					}
					if h.Get("ETag") != etag {
						t.Errorf("ETag = %q, want the quoted SHA-256 %s", h.Get("ETag"), etag)
					}
				}},
			{name: "If-None-Match", method: "GET", path: ts.path(img.URL), headers: map[string]string{"If-None-Match": "\"x\", " + etag}, want: 304},
			{name: "PDF inline with its name", method: "GET", path: ts.path(pdf.URL), want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if ct, cd := res.Header().Get("Content-Type"), res.Header().Get("Content-Disposition"); ct != "application/pdf" || !strings.HasPrefix(cd, "inline; filename*=utf-8''Th%C3%B4ng") {
						t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
					}
				}},
			{name: "not compressed", method: "GET", path: ts.path(pdf.URL), headers: map[string]string{"Accept-Encoding": "gzip"}, want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if res.Header().Get("Content-Encoding") != "" || !bytes.Equal(res.Body.Bytes(), pdfDoc) {
						t.Errorf("Content-Encoding %q", res.Header().Get("Content-Encoding"))
					}
				}},
			{name: "tracking parameters are ignored", method: "GET", path: ts.path(img.URL) + "?fbclid=IwAR0x&utm_source=facebook", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if !bytes.Equal(res.Body.Bytes(), pngBytes) {
						t.Errorf("served %d bytes, not the image", res.Body.Len())
					}
				}},
			{name: "unknown key", method: "GET", path: "/media/2026/01/nothere.png", want: 404},
			{name: "a file in the directory the database does not know", method: "GET", path: "/media/2026/01/planted.html", want: 404, check: notFound},
			{name: "dot-dot", method: "GET", path: "/media/../secret.txt", want: 404, check: notFound},
			{name: "dot-dot deeper", method: "GET", path: "/media/../../../../etc/passwd", want: 404, check: notFound},
			{name: "encoded dot-dot", method: "GET", path: "/media/%2e%2e/secret.txt", want: 404, check: notFound},
			{name: "encoded slashes", method: "GET", path: "/media/..%2f..%2fetc%2fpasswd", want: 404, check: notFound},
			{name: "double-encoded", method: "GET", path: "/media/%252e%252e%252fsecret.txt", want: 404, check: notFound},
			{name: "backslashes", method: "GET", path: `/media/..%5c..%5csecret.txt`, want: 404, check: notFound},
			{name: "absolute path", method: "GET", path: "/media//etc/passwd", want: 404, check: notFound},
			{name: "encoded absolute path", method: "GET", path: "/media/%2fetc%2fpasswd", want: 404, check: notFound},
			{name: "key within a dot-dot detour", method: "GET", path: "/media/2026/../" + strings.TrimPrefix(ts.path(img.URL), "/media/"), want: 404},
			{name: "NUL byte", method: "GET", path: "/media/x%00.png", want: 404},
			{name: "no key", method: "GET", path: "/media/", want: 404},
		})
	})
}

func TestMediaLibrary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		img := ts.uploadFile("a.png", pngImage(t, 2, 2))
		pdf := ts.uploadFile("b.pdf", pdfDoc)
		used := ts.uploadFile("cover.png", pngImage(t, 2, 2))
		// Content that uses a file records a link (articles may not exist on this branch).
		if err := ts.db.Create(&models.MediaLink{MediaID: used.ID, OwnerType: "article", OwnerID: 1, Role: models.LinkCover}).Error; err != nil {
			t.Fatal(err)
		}
		itemPath := func(m mediaItem) string { return "/api/v1/admin/media/" + itoa(m.ID) }
		ts.run([]scenario{
			{name: "list newest first", method: "GET", path: "/api/v1/admin/media", as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 3, "data.0.id": used.ID, "data.2.id": img.ID}},
			{name: "only PDFs", method: "GET", path: "/api/v1/admin/media?type=pdf", as: "author", want: 200,
				fields: map[string]any{"meta.pagination.total": 1, "data.0.id": pdf.ID}},
			{name: "only images, paged", method: "GET", path: "/api/v1/admin/media?type=image&per_page=1&page=2", as: "editor", want: 200,
				fields: map[string]any{"meta.pagination.total": 2, "data.0.id": img.ID}},
			{name: "bad type", method: "GET", path: "/api/v1/admin/media?type=video", as: "author", want: 400, fields: map[string]any{"errors.0.field": "type"}},
			{name: "without a token", method: "GET", path: "/api/v1/admin/media", want: 401},
			{name: "one item", method: "GET", path: itemPath(img), as: "author", want: 200,
				fields: map[string]any{"data.id": img.ID, "data.mime": "image/png", "data.width": 2, "data.url": img.URL}},
			{name: "missing item", method: "GET", path: "/api/v1/admin/media/9999", as: "author", want: 404},
			{name: "bad id", method: "GET", path: "/api/v1/admin/media/abc", as: "author", want: 404},
			{name: "authors cannot delete", method: "DELETE", path: itemPath(img), as: "author", want: 403},
			{name: "in use", method: "DELETE", path: itemPath(used), as: "editor", want: 409, fields: map[string]any{"code": "conflict"}},
			{name: "still served after the refused delete", method: "GET", path: ts.path(used.URL), want: 200},
			{name: "delete", method: "DELETE", path: itemPath(img), as: "editor", want: 204},
			{name: "gone from the library", method: "GET", path: itemPath(img), as: "editor", want: 404},
			{name: "no longer served", method: "GET", path: ts.path(img.URL), want: 404},
			{name: "delete again", method: "DELETE", path: itemPath(img), as: "admin", want: 404},
		})
		if len(ts.storedFiles()) != 1+1+2 { // the PDF, the cover and its variants at 2 px (PNG, WebP)
			t.Errorf("stored files %v, want the deleted one and its variants removed", ts.storedFiles())
		}
		ts.storageMatchesRows("after the delete")
		var audits int64
		ts.db.Model(&models.AuditEntry{}).Where("action = ? AND target_id = ?", "media.delete", itoa(img.ID)).Count(&audits)
		if audits != 1 {
			t.Errorf("%d media.delete audit entries, want 1", audits)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A reader's attachment to a submission is private: no article, announcement or document may
// use it, whoever guesses its id.
func TestSubmissionAttachmentsCannotBeReused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		private := ts.seedMedia("cccd-mat-truoc.jpg", "image/jpeg")
		if err := db.Create(&models.MediaLink{MediaID: private, OwnerType: models.OwnerSubmission, OwnerID: 1, Role: models.LinkAttachment}).Error; err != nil {
			t.Fatal(err)
		}
		public := ts.seedMedia("thong-bao.pdf", "application/pdf")
		ts.run([]scenario{
			{name: "private attachment refused", method: "POST", path: "/api/v1/admin/announcements", as: "editor",
				body: map[string]any{"title": "Thông báo", "body": "<p>x</p>", "attachment_ids": []int64{public, private}}, want: 422,
				fields: map[string]any{"errors.0.field": "attachment_ids"}},
			{name: "library media accepted", method: "POST", path: "/api/v1/admin/announcements", as: "editor",
				body: map[string]any{"title": "Thông báo", "body": "<p>x</p>", "attachment_ids": []int64{public}}, want: 201},
		})
	})
}

// A reader's attachment is served to whoever holds its link, but never kept by shared caches.
func TestSubmissionAttachmentsAreNotCachedPublicly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		library := ts.uploadFile("anh.png", pngImage(t, 2, 2))
		private := ts.uploadFile("cccd.png", pngImage(t, 3, 3))
		if err := db.Create(&models.MediaLink{MediaID: private.ID, OwnerType: models.OwnerSubmission, OwnerID: 1, Role: models.LinkAttachment}).Error; err != nil {
			t.Fatal(err)
		}
		if res := ts.do("GET", ts.path(library.URL), nil, "", nil); res.Code != 200 || !strings.HasPrefix(res.Header().Get("Cache-Control"), "public") {
			t.Fatalf("library file: %d %q", res.Code, res.Header().Get("Cache-Control"))
		}
		res := ts.do("GET", ts.path(private.URL), nil, "", nil)
		if res.Code != 200 || res.Header().Get("Cache-Control") != "private, no-store" || res.Header().Get("X-Robots-Tag") != "noindex" {
			t.Fatalf("reader's attachment: %d %v", res.Code, res.Header())
		}
		// Its variants are as private as it is.
		for _, v := range private.Variants {
			res := ts.do("GET", ts.path(v.URL), nil, "", nil)
			if res.Code != 200 || res.Header().Get("Cache-Control") != "private, no-store" || res.Header().Get("X-Robots-Tag") != "noindex" {
				t.Errorf("the attachment's variant %s: %d %v", v.URL, res.Code, res.Header())
			}
		}
		if len(private.Variants) != 2 {
			t.Errorf("variants %v", private.Variants)
		}
	})
}
