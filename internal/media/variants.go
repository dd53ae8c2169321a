package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gen2brain/webp"
	"golang.org/x/image/draw"

	"github.com/toasoan/toasoan/internal/models"
)

// DefaultWidths are the widths variants are made at unless TOASOAN_IMAGE_WIDTHS says otherwise.
var DefaultWidths = []int{320, 640, 1024, 1600}

// PlaceholderWidth is the width of an image's placeholder: enough for a blurred preview, small
// enough (a few hundred bytes) to inline in every response.
const PlaceholderWidth = 16

// Encoding qualities: photos at sizes for screens, where these are indistinguishable from higher.
const (
	jpegQuality        = 82
	webpQuality        = 78
	placeholderQuality = 50
)

// DecodeError says an image that passed the type sniff and whose header was readable could not
// be decoded (a damaged or cut-off file): it has no variants.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return "media: decoding the image: " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Imager makes the variants of stored images. Decoding takes memory in proportion to the
// pixels (4 bytes each once resized from), so at most workers images are decoded at a time in
// the process, whoever asks (uploads, the backfill command, the seed), and no image of more
// than maxPixels pixels (by its header) is decoded at all.
type Imager struct {
	widths    []int
	maxPixels int64
	slots     chan struct{}
}

// NewImager makes variants at widths (ascending; none: DefaultWidths), with at most workers
// decodes at a time.
func NewImager(widths []int, workers int, maxPixels int64) *Imager {
	if len(widths) == 0 {
		widths = DefaultWidths
	}
	return &Imager{widths: widths, maxPixels: maxPixels, slots: make(chan struct{}, max(workers, 1))}
}

// Variants is what Make made for one image.
type Variants struct {
	List        []models.MediaVariant // by width, then type
	Placeholder string
}

// Keys are the storage keys of the variants.
func (v Variants) Keys() []string {
	keys := make([]string, len(v.List))
	for i, f := range v.List {
		keys[i] = f.Key
	}
	return keys
}

// Widths are the widths an image w pixels wide gets variants at: each configured width up to
// w (never upscaled), or w itself when it is narrower than all of them.
func (im *Imager) Widths(w int) []int {
	var out []int
	for _, width := range im.widths {
		if width <= w {
			out = append(out, width)
		}
	}
	if len(out) == 0 && w > 0 {
		out = []int{w}
	}
	return out
}

// Make stores the variants of the image m (its key and mime are what it reads) in st and
// returns them: at each of Widths, a WebP and a copy in the original's format (JPEG or PNG; a
// GIF's is a PNG of its first frame, a WebP's the WebP alone), keyed after the original
// (VariantKey), and the placeholder, all upright (a JPEG's EXIF orientation applied, as
// browsers apply it to the original). A file that is not an image has none (zero Variants). It
// waits for a decode slot as long as ctx lets it. The header is read first: more pixels than
// the limit is TooManyPixelsError, without decoding; a file that does not decode is
// DecodeError. On any failure nothing it stored is left behind.
func (im *Imager) Make(ctx context.Context, st Storage, m models.Media) (Variants, error) {
	ext, ok := variantExt[m.Mime]
	if !ok {
		return Variants{}, nil
	}
	if err := ctx.Err(); err != nil {
		return Variants{}, err
	}
	select {
	case im.slots <- struct{}{}:
	case <-ctx.Done():
		return Variants{}, ctx.Err()
	}
	defer func() { <-im.slots }()

	src, o, err := im.decode(ctx, st, m.Key, m.Mime)
	if err != nil {
		return Variants{}, err
	}
	var out Variants
	done := false
	defer func() {
		if !done {
			for _, key := range out.Keys() {
				_ = st.Delete(context.WithoutCancel(ctx), key)
			}
		}
	}()
	// Widths are of the image as shown; it is resized as stored, and each variant turned upright
	// once small (turning the full-size image would take as much memory again).
	shown := src.Bounds()
	if o.swaps() {
		shown = image.Rect(0, 0, shown.Dy(), shown.Dx())
	}
	widths := im.Widths(shown.Dx())
	// From the widest down, each resized from the one before: only the first pass reads the
	// full-size image, which is garbage once it is done, while the variants encode.
	scaled := make([]image.Image, len(widths))
	from := src
	for i := len(widths) - 1; i >= 0; i-- {
		w, h := widths[i], heightAt(shown, widths[i])
		if o.swaps() {
			w, h = h, w
		}
		scaled[i] = resize(from, w, h)
		from = scaled[i]
	}
	for i := range scaled {
		scaled[i] = orient(scaled[i], o)
	}
	for i, w := range widths {
		formats := []string{ext, "webp"}
		if ext == "webp" {
			formats = formats[:1]
		}
		for _, format := range formats {
			v, err := putVariant(ctx, st, VariantKey(m.Key, w, format), format, scaled[i])
			if err != nil {
				return Variants{}, err
			}
			out.List = append(out.List, v)
		}
	}
	out.Placeholder, err = placeholder(scaled[0])
	if err != nil {
		return Variants{}, err
	}
	done = true
	return out, nil
}

// variantExt is the extension of the original-format variants of each image type.
var variantExt = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/gif": "png", "image/webp": "webp"}

var variantMime = map[string]string{"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

// decode reads the image at key: its header first, refused above the pixel limit, then the
// whole of it, as stored, with the orientation it is shown in.
func (im *Imager) decode(ctx context.Context, st Storage, key, mimeType string) (image.Image, Orientation, error) {
	w, h, o, err := dimensions(ctx, st, key, mimeType)
	if err != nil {
		return nil, 1, err
	}
	if int64(w)*int64(h) > im.maxPixels {
		return nil, 1, &TooManyPixelsError{Width: w, Height: h, Max: im.maxPixels}
	}
	rc, err := st.Open(ctx, key)
	if err != nil {
		return nil, 1, err
	}
	defer rc.Close()
	src, err := decoders[mimeType].decode(rc)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 1, ctx.Err()
		}
		return nil, 1, &DecodeError{Err: err}
	}
	if b := src.Bounds(); b.Dx() != w || b.Dy() != h {
		return nil, 1, &DecodeError{Err: fmt.Errorf("decoded %d×%d, the header says %d×%d", b.Dx(), b.Dy(), w, h)}
	}
	return src, o, nil
}

// heightAt is the height of an image of bounds b scaled to width w: in proportion, rounded, at
// least 1 pixel.
func heightAt(b image.Rectangle, w int) int {
	return max(1, int((int64(b.Dy())*int64(w)+int64(b.Dx())/2)/int64(b.Dx())))
}

// resize scales src to w×h. It halves while src is at least twice as wide (bilinear at exactly
// half averages each 2×2 block: a box filter, without aliasing), then scales bilinearly by less
// than 2. Unlike CatmullRom, whose scaler holds 32 bytes per pixel of w × src's height (205 MB
// for a 6000×4000 photo to 1600 wide), this needs no more than the images themselves.
func resize(src image.Image, w, h int) image.Image {
	b := src.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return src
	}
	for b.Dx() >= 2*w {
		src = scale(src, b.Dx()/2, max(1, b.Dy()/2, h))
		b = src.Bounds()
	}
	return scale(src, w, h)
}

func scale(src image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h)) // x/image/draw's fast paths write RGBA
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// putVariant encodes img in format and stores it under key. A variant is at most a few hundred
// KiB, so it is encoded in memory to know its size and checksum before it is recorded.
func putVariant(ctx context.Context, st Storage, key, format string, img image.Image) (models.MediaVariant, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	case "png":
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, img)
	case "webp":
		err = webp.Encode(&buf, img, webp.Options{Quality: webpQuality})
	}
	if err != nil {
		return models.MediaVariant{}, fmt.Errorf("media: encoding %s: %w", key, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	v := models.MediaVariant{Key: key, Mime: variantMime[format], Width: img.Bounds().Dx(), Height: img.Bounds().Dy(),
		Size: int64(buf.Len()), Checksum: hex.EncodeToString(sum[:])}
	if err := st.Put(ctx, key, &buf, v.Mime); err != nil {
		return models.MediaVariant{}, err
	}
	return v, nil
}

// placeholder is a data: URI of img at PlaceholderWidth as a WebP: about 150 bytes, where a
// JPEG's fixed tables alone take 600.
func placeholder(img image.Image) (string, error) {
	var buf bytes.Buffer
	w := min(PlaceholderWidth, img.Bounds().Dx())
	if err := webp.Encode(&buf, resize(img, w, heightAt(img.Bounds(), w)), webp.Options{Quality: placeholderQuality}); err != nil {
		return "", err
	}
	return "data:image/webp;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// VariantKey is the key of an image's variant: its key without the extension, the width and
// the format's extension (2026/11/abc.jpg → 2026/11/abc-640w.webp). Keys newKey makes hold no
// "-", so no original's key looks like a variant's.
func VariantKey(key string, width int, ext string) string {
	base := strings.TrimSuffix(key, "."+extOf(key))
	return base + "-" + strconv.Itoa(width) + "w." + ext
}

func extOf(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 && !strings.Contains(key[i:], "/") {
		return key[i+1:]
	}
	return ""
}

var variantKeyPattern = regexp.MustCompile(`^(.+)-[1-9][0-9]*w\.(?:jpg|png|webp)$`)

// OriginalKeys are the keys the image of a variant's key may have (one per image extension);
// none when key is not shaped like a variant's.
func OriginalKeys(key string) []string {
	m := variantKeyPattern.FindStringSubmatch(key)
	if m == nil {
		return nil
	}
	var out []string
	for _, ext := range []string{"gif", "jpg", "png", "webp"} {
		out = append(out, m[1]+"."+ext)
	}
	return out
}

// VariantName is the file name a variant is downloaded as: the original's, with the width and
// the variant's extension (hoi-nghi.jpg → hoi-nghi-640w.webp).
func VariantName(name string, v models.MediaVariant) string {
	base := strings.TrimSuffix(name, "."+extOf(name))
	return base + "-" + strconv.Itoa(v.Width) + "w." + extOf(v.Key)
}

// Recorder records the variants made for a media item, unless it already has some (then it
// reports false and records nothing); a not_found error when the item is gone. store.Store is one.
type Recorder interface {
	SetMediaVariants(ctx context.Context, id int64, variants []models.MediaVariant, placeholder string) (bool, error)
}

// Ensure makes and records the variants of a stored media item that has none yet (the backfill
// command does this for every image; the seed for the images it makes). It reports whether it
// made any: false for a PDF or an image that already had them. Variants made for an item that
// was meanwhile deleted are removed from storage again.
func (im *Imager) Ensure(ctx context.Context, st Storage, rec Recorder, m models.Media) (bool, error) {
	if m.Variants != nil {
		return false, nil
	}
	v, err := im.Make(ctx, st, m)
	if err != nil || len(v.List) == 0 {
		return false, err
	}
	recorded, err := rec.SetMediaVariants(ctx, m.ID, v.List, v.Placeholder)
	if models.ErrorCode(err) == models.CodeNotFound {
		// Nothing refers to these files. (When another process recorded variants meanwhile,
		// they are the same keys, now its: they stay.)
		for _, key := range v.Keys() {
			if derr := st.Delete(context.WithoutCancel(ctx), key); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}
	return recorded, err
}

// Library is what Backfill needs of the database (store.Store is one).
type Library interface {
	Recorder
	ImagesWithoutVariants(ctx context.Context, afterID int64, limit int) ([]models.Media, error)
}

// BackfillCounts says what Backfill did.
type BackfillCounts struct {
	Made   int // images that got variants
	Failed int // images that could not get them (logged by Backfill's caller through onError)
}

// Backfill makes the missing variants of every stored image, in batches, using the Imager's
// workers at once. An image that fails (damaged, over the pixel limit, missing from storage) is
// reported to onError and left without variants; the next run tries it again. Running it again
// when nothing is missing makes nothing.
func (im *Imager) Backfill(ctx context.Context, st Storage, lib Library, onError func(models.Media, error)) (BackfillCounts, error) {
	var counts BackfillCounts
	var mu sync.Mutex
	var afterID int64
	for {
		batch, err := lib.ImagesWithoutVariants(ctx, afterID, 100)
		if err != nil || len(batch) == 0 {
			return counts, err
		}
		var wg sync.WaitGroup
		work := make(chan models.Media)
		for range cap(im.slots) {
			wg.Go(func() {
				for m := range work {
					made, err := im.Ensure(ctx, st, lib, m)
					mu.Lock()
					switch {
					case models.ErrorCode(err) == models.CodeNotFound: // deleted meanwhile
					case err != nil && ctx.Err() == nil:
						counts.Failed++
						onError(m, err)
					case made:
						counts.Made++
					}
					mu.Unlock()
				}
			})
		}
		for _, m := range batch {
			work <- m
		}
		close(work)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		afterID = batch[len(batch)-1].ID
	}
}
