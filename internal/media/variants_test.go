package media

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/toasoan/toasoan/internal/models"
)

// photo is a w×h test picture: a gradient with a grid, so scaling has something to average.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: 255}
			if x%50 == 0 || y%50 == 0 {
				c = color.RGBA{A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testBucket(t *testing.T) (*Bucket, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func put(t *testing.T, st Storage, key string, data []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(data), "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
}

// storedFiles lists the keys under dir.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var keys []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(keys)
	return keys
}

func decodeStored(t *testing.T, st Storage, key string) (image.Image, string) {
	t.Helper()
	rc, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	img, format, err := image.Decode(rc)
	if err != nil {
		t.Fatalf("%s does not decode: %v", key, err)
	}
	return img, format
}

func TestWidthsNeverUpscale(t *testing.T) {
	im := NewImager(DefaultWidths, 1, 40_000_000)
	for w, want := range map[int][]int{
		6000: {320, 640, 1024, 1600},
		1600: {320, 640, 1024, 1600},
		1599: {320, 640, 1024},
		640:  {320, 640},
		321:  {320},
		200:  {200}, // narrower than every width: its own, never wider
		1:    {1},
	} {
		if got := im.Widths(w); !slices.Equal(got, want) {
			t.Errorf("Widths(%d) = %v, want %v", w, got, want)
		}
	}
}

func TestMakeJPEG(t *testing.T) {
	st, dir := testBucket(t)
	key := "2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg"
	put(t, st, key, encodeJPEG(t, photo(1600, 900)))
	im := NewImager(DefaultWidths, 1, 40_000_000)
	v, err := im.Make(context.Background(), st, models.Media{Key: key, Mime: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	type shape struct {
		w, h int
		mime string
	}
	var got []shape
	for _, f := range v.List {
		got = append(got, shape{f.Width, f.Height, f.Mime})
		img, format := decodeStored(t, st, f.Key)
		if b := img.Bounds(); b.Dx() != f.Width || b.Dy() != f.Height {
			t.Errorf("%s decodes at %v, recorded %d×%d", f.Key, b.Size(), f.Width, f.Height)
		}
		if "image/"+format != f.Mime {
			t.Errorf("%s is %s, recorded %s", f.Key, format, f.Mime)
		}
		if !ValidKey(f.Key) || !strings.HasPrefix(f.Key, "2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5-") || f.Size <= 0 || len(f.Checksum) != 64 {
			t.Errorf("variant %+v", f)
		}
	}
	want := []shape{{320, 180, "image/jpeg"}, {320, 180, "image/webp"}, {640, 360, "image/jpeg"}, {640, 360, "image/webp"},
		{1024, 576, "image/jpeg"}, {1024, 576, "image/webp"}, {1600, 900, "image/jpeg"}, {1600, 900, "image/webp"}}
	if !slices.Equal(got, want) {
		t.Errorf("variants %v, want %v", got, want)
	}
	if v.List[1].Key != "2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5-320w.webp" {
		t.Errorf("key %s", v.List[1].Key)
	}
	if len(storedFiles(t, dir)) != 1+len(want) {
		t.Errorf("stored %v", storedFiles(t, dir))
	}

	data, ok := strings.CutPrefix(v.Placeholder, "data:image/webp;base64,")
	if !ok || len(v.Placeholder) > 400 {
		t.Fatalf("placeholder %q", v.Placeholder)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	small, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil || small.Bounds().Dx() != 16 || small.Bounds().Dy() != 9 {
		t.Errorf("placeholder decodes to %v, %v", small, err)
	}
}

func TestMakeOtherFormats(t *testing.T) {
	st, _ := testBucket(t)
	ctx := context.Background()
	im := NewImager(DefaultWidths, 1, 40_000_000)

	// A PNG narrower than every width gets variants at its own width, transparency kept.
	clear := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	put(t, st, "2026/11/a.png", encodePNG(t, clear))
	v, err := im.Make(ctx, st, models.Media{Key: "2026/11/a.png", Mime: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.List) != 2 || v.List[0].Mime != "image/png" || v.List[1].Mime != "image/webp" || v.List[0].Width != 200 || v.List[1].Height != 100 {
		t.Errorf("png variants %+v", v.List)
	}
	img, _ := decodeStored(t, st, v.List[0].Key)
	if _, _, _, a := img.At(10, 10).RGBA(); a != 0 {
		t.Errorf("a transparent PNG's variant has alpha %d", a)
	}

	// A GIF's variants are its first frame, as PNG and WebP.
	pal := image.NewPaletted(image.Rect(0, 0, 400, 300), []color.Color{color.White, color.Black})
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{pal, pal}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	put(t, st, "2026/11/b.gif", buf.Bytes())
	v, err = im.Make(ctx, st, models.Media{Key: "2026/11/b.gif", Mime: "image/gif"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.List) != 2 || v.List[0].Key != "2026/11/b-320w.png" || v.List[1].Key != "2026/11/b-320w.webp" || v.List[0].Height != 240 {
		t.Errorf("gif variants %+v", v.List)
	}

	// A WebP's variants are WebP only.
	put(t, st, "2026/11/c.webp", mustRead(t, st, v.List[1].Key))
	v, err = im.Make(ctx, st, models.Media{Key: "2026/11/c.webp", Mime: "image/webp"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.List) != 1 || v.List[0].Key != "2026/11/c-320w.webp" {
		t.Errorf("webp variants %+v", v.List)
	}

	// A PDF has none.
	if v, err := im.Make(ctx, st, models.Media{Key: "2026/11/d.pdf", Mime: "application/pdf"}); err != nil || len(v.List) != 0 || v.Placeholder != "" {
		t.Errorf("pdf: %+v, %v", v, err)
	}
}

func mustRead(t *testing.T, st Storage, key string) []byte {
	t.Helper()
	rc, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngHeader is a PNG's signature and IHDR chunk declaring w×h, and no pixel data at all: a
// decoder would fail, so refusing it with TooManyPixelsError shows the header alone was read.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

func TestMakeRefusesBeforeDecoding(t *testing.T) {
	st, dir := testBucket(t)
	ctx := context.Background()
	im := NewImager(DefaultWidths, 1, 40_000_000)

	put(t, st, "2026/11/huge.png", pngHeader(50_000, 50_000))
	var tooMany *TooManyPixelsError
	if _, err := im.Make(ctx, st, models.Media{Key: "2026/11/huge.png", Mime: "image/png"}); !errors.As(err, &tooMany) || tooMany.Width != 50_000 {
		t.Errorf("a 50000×50000 header: err = %v, want TooManyPixelsError", err)
	}
	// Within the limit the same kind of file is decoded, and fails as damaged.
	put(t, st, "2026/11/cut.png", pngHeader(100, 100))
	var bad *DecodeError
	if _, err := im.Make(ctx, st, models.Media{Key: "2026/11/cut.png", Mime: "image/png"}); !errors.As(err, &bad) {
		t.Errorf("a header without pixels: err = %v, want DecodeError", err)
	}
	jpg := encodeJPEG(t, photo(800, 600))
	put(t, st, "2026/11/cut.jpg", jpg[:len(jpg)/2])
	if _, err := im.Make(ctx, st, models.Media{Key: "2026/11/cut.jpg", Mime: "image/jpeg"}); !errors.As(err, &bad) {
		t.Errorf("a cut-off JPEG: err = %v, want DecodeError", err)
	}
	if got := storedFiles(t, dir); !slices.Equal(got, []string{"2026/11/cut.jpg", "2026/11/cut.png", "2026/11/huge.png"}) {
		t.Errorf("failures left %v", got)
	}
}

// blockingStorage holds every Open until released, telling each on opened, and counts the
// readers open at once.
type blockingStorage struct {
	Storage
	mu            sync.Mutex
	open, maxOpen int
	opened        chan struct{}
	release       chan struct{}
}

func (b *blockingStorage) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	b.opened <- struct{}{}
	<-b.release
	rc, err := b.Storage.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.open++
	b.maxOpen = max(b.maxOpen, b.open)
	b.mu.Unlock()
	return &countedReader{ReadCloser: rc, s: b}, nil
}

// watchedContext tells when its Done is first asked for: when Make starts waiting on it.
type watchedContext struct {
	context.Context
	asked chan struct{}
	once  sync.Once
}

func (w *watchedContext) Done() <-chan struct{} {
	w.once.Do(func() { close(w.asked) })
	return w.Context.Done()
}

type countedReader struct {
	io.ReadCloser
	s *blockingStorage
}

func (c *countedReader) Close() error {
	c.s.mu.Lock()
	c.s.open--
	c.s.mu.Unlock()
	return c.ReadCloser.Close()
}

func TestMakeBoundsConcurrentDecodes(t *testing.T) {
	base, _ := testBucket(t)
	put(t, base, "2026/11/a.jpg", encodeJPEG(t, photo(700, 400)))
	st := &blockingStorage{Storage: base, opened: make(chan struct{}), release: make(chan struct{})}
	im := NewImager(DefaultWidths, 2, 40_000_000)
	m := models.Media{Key: "2026/11/a.jpg", Mime: "image/jpeg"}
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := im.Make(ctx, st, m)
			errs <- err
		})
	}
	<-st.opened // both workers are in, reading the header
	<-st.opened
	// A third waits for a slot: once it is waiting on its context, the context ends, and it
	// returns without ever opening the file.
	live, cancel := context.WithCancel(ctx)
	waiting := &watchedContext{Context: live, asked: make(chan struct{})}
	third := make(chan error, 1)
	go func() {
		_, err := im.Make(waiting, st, m)
		third <- err
	}()
	<-waiting.asked
	cancel()
	select {
	case err := <-third:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("waiting for a slot: err = %v, want context.Canceled", err)
		}
	case <-st.opened:
		t.Fatal("a third image was read with 2 workers")
	}
	go func() {
		for range st.opened { // the workers' next reads (the decode) go through at once
		}
	}()
	close(st.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if st.maxOpen > 2 {
		t.Errorf("%d files open at once with 2 workers", st.maxOpen)
	}
	if _, err := im.Make(ctx, st, m); err != nil {
		t.Errorf("after the workers finished: %v", err)
	}
	close(st.opened)
}

func TestVariantKeys(t *testing.T) {
	key := VariantKey("2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg", 640, "webp")
	if key != "2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5-640w.webp" || !ValidKey(key) {
		t.Errorf("VariantKey = %q", key)
	}
	if got := OriginalKeys(key); !slices.Contains(got, "2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg") || len(got) != 4 {
		t.Errorf("OriginalKeys(%q) = %v", key, got)
	}
	for _, notVariant := range []string{"2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg", "2026/11/a-0w.webp", "2026/11/a-640w.gif", "2026/11/a-640.webp"} {
		if got := OriginalKeys(notVariant); got != nil {
			t.Errorf("OriginalKeys(%q) = %v, want none", notVariant, got)
		}
	}
	if got := VariantName("hội nghị.jpg", models.MediaVariant{Key: key, Width: 640}); got != "hội nghị-640w.webp" {
		t.Errorf("VariantName = %q", got)
	}
}

type fakeRecorder struct {
	err      error
	recorded []models.MediaVariant
}

func (f *fakeRecorder) SetMediaVariants(_ context.Context, _ int64, v []models.MediaVariant, _ string) (bool, error) {
	if f.err != nil {
		return false, f.err
	}
	f.recorded = v
	return true, nil
}

func TestEnsure(t *testing.T) {
	st, dir := testBucket(t)
	ctx := context.Background()
	put(t, st, "2026/11/a.jpg", encodeJPEG(t, photo(700, 400)))
	im := NewImager(DefaultWidths, 1, 40_000_000)
	m := models.Media{ID: 1, Key: "2026/11/a.jpg", Mime: "image/jpeg"}

	rec := &fakeRecorder{}
	if made, err := im.Ensure(ctx, st, rec, m); !made || err != nil || len(rec.recorded) != 4 {
		t.Fatalf("Ensure = %v, %v; recorded %v", made, err, rec.recorded)
	}
	m.Variants = rec.recorded
	if made, err := im.Ensure(ctx, st, &fakeRecorder{err: errors.New("not called")}, m); made || err != nil {
		t.Errorf("an image with variants: %v, %v", made, err)
	}
	// The item was deleted meanwhile: what was made is removed again.
	m.Key, m.Variants = "2026/11/b.jpg", nil
	put(t, st, m.Key, encodeJPEG(t, photo(700, 400)))
	if made, err := im.Ensure(ctx, st, &fakeRecorder{err: models.NotFound("media")}, m); made || models.ErrorCode(err) != models.CodeNotFound {
		t.Errorf("a deleted item: %v, %v", made, err)
	}
	for _, key := range storedFiles(t, dir) {
		if strings.HasPrefix(key, "2026/11/b-") {
			t.Errorf("%s left behind", key)
		}
	}
}

// The API's enum of variant types (models.VariantMimes) is what Make can produce.
func TestVariantMimes(t *testing.T) {
	var made []string
	for _, mime := range variantMime {
		made = append(made, mime)
	}
	slices.Sort(made)
	if !slices.Equal(made, models.VariantMimes) {
		t.Errorf("variants are made as %v; models.VariantMimes says %v", made, models.VariantMimes)
	}
}
