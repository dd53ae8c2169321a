package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	xwebp "golang.org/x/image/webp"
)

// Allowed maps each accepted type, as sniffed from the content, to the extension of its key.
var Allowed = map[string]string{
	"image/jpeg":      "jpg",
	"image/png":       "png",
	"image/webp":      "webp",
	"image/gif":       "gif",
	"application/pdf": "pdf",
}

// AllowedNames is the allow-list as people read it, for error messages and docs.
const AllowedNames = "JPEG, PNG, WebP, GIF or PDF"

// File is an upload that passed the checks and is now in storage.
type File struct {
	Key      string
	Mime     string
	Size     int64
	Width    int // images only
	Height   int
	Checksum string // hex SHA-256 of the content
}

// Errors of Save that are the uploader's fault.
var (
	ErrEmpty    = errors.New("media: the file is empty")
	ErrTooLarge = errors.New("media: the file is over the size limit")
)

// ReadError is a failure to read the upload itself (a broken or cut-off request body), as
// opposed to a failure of storage.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "media: reading the upload: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// TooManyPixelsError says an image's header declares more pixels than allowed: decoding it
// (for a thumbnail, by a reader's browser) would take memory in proportion.
type TooManyPixelsError struct {
	Width, Height int
	Max           int64
}

func (e *TooManyPixelsError) Error() string {
	return fmt.Sprintf("media: %d×%d pixels, over the limit of %d", e.Width, e.Height, e.Max)
}

// UnsupportedError says the content is not of an allowed type, whatever its name claims.
type UnsupportedError struct {
	Detected string // what the content looks like, e.g. "text/html; charset=utf-8"
}

func (e *UnsupportedError) Error() string {
	return "media: unsupported type " + e.Detected + "; allowed: " + AllowedNames
}

// Save checks r by its content and streams it into st under a new random key, never holding
// more than a small buffer in memory. The type comes from the first bytes (never from a file
// name); more than limit bytes is ErrTooLarge, and nothing is stored then. Images must have a
// readable header, which gives their dimensions (as shown: a JPEG's EXIF orientation turning a
// quarter swaps them), and at most maxPixels pixels by that header (TooManyPixelsError; the
// image is never decoded here).
func Save(ctx context.Context, st Storage, r io.Reader, limit, maxPixels int64, now time.Time) (File, error) {
	head := make([]byte, 512) // all http.DetectContentType looks at
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return File{}, &ReadError{Err: err}
	}
	if n == 0 {
		return File{}, ErrEmpty
	}
	head = head[:n]
	// DetectContentType implements the WHATWG sniffing algorithm, which recognises each allowed
	// type (WebP included) by its signature at offset 0.
	mimeType := http.DetectContentType(head)
	ext, ok := Allowed[mimeType]
	if !ok {
		return File{}, &UnsupportedError{Detected: mimeType}
	}

	f := File{Key: newKey(now, ext), Mime: mimeType}
	hash := sha256.New()
	body := &limitedReader{r: io.MultiReader(bytes.NewReader(head), r), limit: limit}
	if err := st.Put(ctx, f.Key, io.TeeReader(body, hash), mimeType); err != nil {
		switch {
		case errors.Is(body.err, ErrTooLarge):
			return File{}, ErrTooLarge
		case body.err != nil:
			return File{}, &ReadError{Err: body.err}
		}
		return File{}, err
	}
	f.Size, f.Checksum = body.read, hex.EncodeToString(hash.Sum(nil))

	if strings.HasPrefix(mimeType, "image/") {
		// Reading the header back from storage works whatever its length (JPEG metadata can
		// put the frame header far in) without buffering the upload.
		var o Orientation
		f.Width, f.Height, o, err = dimensions(ctx, st, f.Key, mimeType)
		if o.swaps() { // as it is shown: a phone's portrait photo is portrait
			f.Width, f.Height = f.Height, f.Width
		}
		if err == nil && int64(f.Width)*int64(f.Height) > maxPixels {
			err = &TooManyPixelsError{Width: f.Width, Height: f.Height, Max: maxPixels}
		}
		if err != nil {
			_ = st.Delete(context.WithoutCancel(ctx), f.Key)
			return File{}, err
		}
	}
	return f, nil
}

// decoders are the pure-Go decoders of each image type, chosen by the sniffed type rather than
// by image.Decode's registry: github.com/gen2brain/webp (the WebP encoder) registers a decoder
// too, which would read a whole file into WebAssembly memory just for its header.
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error) // a GIF's first frame
}{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/gif":  {gif.DecodeConfig, gif.Decode},
	"image/webp": {xwebp.DecodeConfig, xwebp.Decode},
}

// dimensions reads an image's header: its stored width and height, and for a JPEG its EXIF
// orientation (1 for other types).
func dimensions(ctx context.Context, st Storage, key, mimeType string) (width, height int, o Orientation, err error) {
	dec, ok := decoders[mimeType]
	if !ok {
		return 0, 0, 1, &UnsupportedError{Detected: mimeType}
	}
	rc, err := st.Open(ctx, key)
	if err != nil {
		return 0, 0, 1, err
	}
	defer rc.Close()
	r := bufio.NewReaderSize(rc, maxMetadata)
	o = 1
	if mimeType == "image/jpeg" {
		head, _ := r.Peek(maxMetadata) // a shorter file gives what it has
		o = jpegOrientation(head)
	}
	cfg, err := dec.config(r)
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return 0, 0, 1, &UnsupportedError{Detected: "a damaged image"}
	}
	return cfg.Width, cfg.Height, o, nil
}

// newKey is a fresh, unguessable key: year/month/<26 random base32 characters>.<ext>. Nothing of
// the client's file name goes in, so a name can neither traverse nor collide.
func newKey(now time.Time, ext string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics when the system has no randomness)
	id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return fmt.Sprintf("%04d/%02d/%s.%s", now.UTC().Year(), int(now.UTC().Month()), id, ext)
}

// limitedReader fails with ErrTooLarge as soon as more than limit bytes have been read, so an
// oversize upload is cut off while streaming. It keeps the error it failed with, to tell a bad
// upload from a failing storage.
type limitedReader struct {
	r     io.Reader
	limit int64
	read  int64
	err   error
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.read += int64(n)
	if l.read > l.limit {
		err = ErrTooLarge
	}
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// SafeName is the file name to show for an upload: the base name the client sent, without
// directories (of either slash), control characters or surrounding space, with the extension
// of the type sniffed from the content (evil.html holding a PNG is evil.png), at most 255
// bytes; fallback.ext when nothing is left.
func SafeName(clientName, ext, fallback string) string {
	name := clientName
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	for len(name)+1+len(ext) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if strings.Trim(name, ".") == "" {
		name = fallback
	}
	return name + "." + ext
}
