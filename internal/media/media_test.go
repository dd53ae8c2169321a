package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg": true,
		"a.pdf":                                  true,
		"":                                       false,
		"../etc/passwd":                          false,
		"2026/../../etc/passwd":                  false,
		"2026/11/..":                             false,
		"2026/11/.hidden":                        false,
		"./a.png":                                false,
		"/etc/passwd":                            false,
		"2026//a.png":                            false,
		"2026/11/":                               false,
		`2026\11\a.png`:                          false,
		"2026/11/A.PNG":                          false,
		"2026/11/a%2e.png":                       false,
		"2026/11/a\x00.png":                      false,
		"2026/11/ảnh.png":                        false,
		strings.Repeat("a", 201):                 false,
	} {
		if got := ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"ảnh hội nghị.png":            "ảnh hội nghị.png",
		`C:\Users\an\Desktop\bia.png`: "bia.png",
		"../../etc/passwd":            "passwd.png",
		"  a\x00b\r\n\".pdf  ":        "ab.png",
		"evil.html":                   "evil.png", // the name never says another type than the content
		"polyglot.png.html":           "polyglot.png.png",
		"ảnh.PNG":                     "ảnh.png",
		".htaccess":                   "fallback.png",
		"..":                          "fallback.png",
		"":                            "fallback.png",
		"dir/":                        "fallback.png",
		strings.Repeat("đ", 200):      strings.Repeat("đ", 125) + ".png", // 2 bytes each, at most 255 bytes
	} {
		if got := SafeName(in, "png", "fallback"); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// failingReader yields some bytes, then fails like a client that went away.
type failingReader struct{ data io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func TestSaveStoresNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 100_000)...)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

	var readErr *ReadError
	if _, err := Save(ctx, st, &failingReader{bytes.NewReader(pdf)}, 1<<20, 40_000_000, now); !errors.As(err, &readErr) {
		t.Errorf("cut-off upload: err = %v, want a ReadError", err)
	}
	if _, err := Save(ctx, st, bytes.NewReader(pdf), 50_000, 40_000_000, now); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize upload: err = %v, want ErrTooLarge", err)
	}
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("failed uploads left %v", files)
	}

	f, err := Save(ctx, st, bytes.NewReader(pdf), int64(len(pdf)), 40_000_000, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Key, "2026/11/") || !strings.HasSuffix(f.Key, ".pdf") || !ValidKey(f.Key) || f.Size != int64(len(pdf)) {
		t.Errorf("file = %+v", f)
	}
	rc, err := st.Open(ctx, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, pdf) {
		t.Error("stored bytes differ")
	}
	if err := st.Delete(ctx, f.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(ctx, f.Key); !errors.Is(err, ErrNotExist) {
		t.Errorf("open after delete: %v", err)
	}
	if err := st.Delete(ctx, f.Key); err != nil {
		t.Errorf("deleting a missing file: %v", err)
	}
	if _, err := st.Open(ctx, "../x"); !errors.Is(err, ErrBadKey) {
		t.Errorf("open ../x: %v", err)
	}
}

// The s3:// scheme is registered (TOASOAN_MEDIA_BUCKET_URL); opening needs no network.
func TestOpenBucketURL(t *testing.T) {
	b, err := Open(context.Background(), "s3://toasoan-media?region=ap-southeast-1", "")
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := Open(context.Background(), "nosuch://bucket", ""); err == nil {
		t.Error("an unknown scheme opened")
	}
}
