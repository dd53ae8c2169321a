package handlers

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// pngHeader is the start of a PNG that declares w×h pixels: enough for image.DecodeConfig,
// far from enough to decode. Such a file is a few dozen bytes however many pixels it claims.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.WriteString("\x00\x00\x00\x00IDAT\x35\xaf\x06\x1e") // an empty IDAT: the rest never comes
	return b.Bytes()
}

func TestMediaPixelLimitAndSniffedExtension(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		uploadAs := func(name string, content []byte) *httptest.ResponseRecorder {
			body, headers := upload(t, name, content)
			return ts.do("POST", "/api/v1/admin/media", body, "author", headers)
		}
		bomb := uploadAs("bomb.png", pngHeader(100000, 100000))
		if p := decode[problem](t, bomb); bomb.Code != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "file" {
			t.Fatalf("an image declaring 100000×100000 pixels: %d %s", bomb.Code, bomb.Body)
		}
		if files := ts.storedFiles(); len(files) != 0 {
			t.Errorf("a refused image was kept: %v", files)
		}
		// The limit is the configured one, counted from the header's width × height.
		ts.cfg.MaxImagePixels = 40 * 30
		if res := uploadAs("a.png", pngImage(t, 40, 30)); res.Code != 201 {
			t.Fatalf("40×30 at a limit of 1200 pixels: %d %s", res.Code, res.Body)
		}
		res := uploadAs("b.png", pngImage(t, 41, 30))
		if res.Code != 422 || !strings.Contains(res.Body.String(), "41×30") {
			t.Fatalf("41×30 at a limit of 1200 pixels: %d %s", res.Code, res.Body)
		}
		ts.cfg.MaxImagePixels = 40_000_000

		// A PNG named evil.html is stored, named and served as a PNG.
		item := ts.uploadFile("evil.html", pngImage(t, 2, 2))
		if item.Name != "evil.png" || item.Mime != "image/png" || !strings.HasSuffix(item.URL, ".png") {
			t.Fatalf("stored as %q %q %q", item.Name, item.Mime, item.URL)
		}
		served := ts.do("GET", ts.path(item.URL), nil, "", nil)
		if served.Code != 200 || served.Header().Get("Content-Type") != "image/png" ||
			served.Header().Get("Content-Disposition") != `inline; filename=evil.png` {
			t.Fatalf("served: %d %q %q", served.Code, served.Header().Get("Content-Type"), served.Header().Get("Content-Disposition"))
		}
	})
}
