package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/models"
)

// withOrientation puts an EXIF APP1 segment saying o right after a JPEG's SOI marker, as a
// phone camera writes it.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00*")
	tiff = binary.BigEndian.AppendUint32(tiff, 8)
	tiff = binary.BigEndian.AppendUint16(tiff, 1)               // one entry
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)          // Orientation
	tiff = binary.BigEndian.AppendUint16(tiff, 3)               // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1)               // one value
	tiff = append(binary.BigEndian.AppendUint16(tiff, o), 0, 0) // the value, padded
	tiff = binary.BigEndian.AppendUint32(tiff, 0)               // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1}, binary.BigEndian.AppendUint16(nil, uint16(2+len(payload)))...)
	seg = append(seg, payload...)
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeJPEG(t, photo(40, 20))
	for o := range uint16(9) {
		want := Orientation(o)
		if o == 0 {
			want = 1 // not a valid value: as stored
		}
		if got := jpegOrientation(withOrientation(jpg, o)); got != want {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	for name, b := range map[string][]byte{
		"no EXIF":   jpg,
		"not JPEG":  []byte("\x89PNG\r\n\x1a\n"),
		"cut off":   withOrientation(jpg, 6)[:20],
		"empty":     nil,
		"bad TIFF":  bytes.Replace(withOrientation(jpg, 6), []byte("MM\x00*"), []byte("XX\x00*"), 1),
		"zero size": {0xFF, 0xD8, 0xFF, 0xE1, 0, 0},
	} {
		if got := jpegOrientation(b); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
}

func TestOrient(t *testing.T) {
	// 3×2, each pixel its own red value: row-major 0..5.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.SetRGBA(i%3, i/3, color.RGBA{R: uint8(i), A: 255})
	}
	rows := func(img image.Image) [][]uint8 {
		b := img.Bounds()
		var out [][]uint8
		for y := range b.Dy() {
			var row []uint8
			for x := range b.Dx() {
				row = append(row, img.(*image.RGBA).RGBAAt(x, y).R)
			}
			out = append(out, row)
		}
		return out
	}
	for o, want := range map[Orientation][][]uint8{
		1: {{0, 1, 2}, {3, 4, 5}},
		2: {{2, 1, 0}, {5, 4, 3}},
		3: {{5, 4, 3}, {2, 1, 0}},
		4: {{3, 4, 5}, {0, 1, 2}},
		5: {{0, 3}, {1, 4}, {2, 5}},
		6: {{3, 0}, {4, 1}, {5, 2}}, // turned a quarter right
		7: {{5, 2}, {4, 1}, {3, 0}},
		8: {{2, 5}, {1, 4}, {0, 3}}, // turned a quarter left
	} {
		got := rows(orient(src, o))
		if len(got) != len(want) || len(got[0]) != len(want[0]) {
			t.Errorf("orientation %d: %v, want %v", o, got, want)
			continue
		}
		for y := range want {
			if !bytes.Equal(got[y], want[y]) {
				t.Errorf("orientation %d: %v, want %v", o, got, want)
				break
			}
		}
	}
}

// A phone's portrait photo, stored landscape with orientation 6: it is recorded and its
// variants are made as it is shown, upright.
func TestRotatedPhoto(t *testing.T) {
	st, _ := testBucket(t)
	ctx := context.Background()
	stored := image.NewRGBA(image.Rect(0, 0, 800, 400)) // left half black, right half white
	for y := range 400 {
		for x := range 800 {
			v := uint8(0)
			if x >= 400 {
				v = 255
			}
			stored.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	f, err := Save(ctx, st, bytes.NewReader(withOrientation(encodeJPEG(t, stored), 6)), 1<<20, 40_000_000, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 400 || f.Height != 800 {
		t.Errorf("recorded %d×%d, want 400×800 as shown", f.Width, f.Height)
	}
	v, err := NewImager(DefaultWidths, 1, 40_000_000).Make(ctx, st, models.Media{Key: f.Key, Mime: f.Mime})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.List) != 2 || v.List[0].Width != 320 || v.List[0].Height != 640 {
		t.Fatalf("variants %+v, want 320×640", v.List)
	}
	img, _ := decodeStored(t, st, v.List[0].Key)
	// Turned a quarter right, the stored left (black) half is the top.
	top, bottom := color.GrayModel.Convert(img.At(160, 100)).(color.Gray), color.GrayModel.Convert(img.At(160, 540)).(color.Gray)
	if top.Y > 40 || bottom.Y < 215 {
		t.Errorf("variant not upright: top %d, bottom %d", top.Y, bottom.Y)
	}
}
