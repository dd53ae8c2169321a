package seed

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// Covers are pictures the seed draws itself: a gradient sky, one of a few compositions of
// shapes, and the category's name on a dark band, as a 1600×900 JPEG. The articles of a topic
// share picturesPerTopic of them, so the whole pool is a few dozen files however many articles
// there are, and a grid of cards still shows every palette and composition.
const (
	coverWidth, coverHeight = 1600, 900
	picturesPerTopic        = 2
	coverQuality            = 85
)

// The text is set in DejaVu Sans: Go's own fonts (golang.org/x/image/font/gofont) lack most
// Vietnamese letters (ạ, ằ, ế, ộ, ợ, ữ: Latin Extended Additional), DejaVu has them all.
var (
	boldTTF    = dejavusansbold.TTF
	regularTTF = dejavusans.TTF
)

// palette is a picture's colours and the name its alt text gives them.
type palette struct {
	name                     string
	top, bottom, accent, ink color.RGBA // sky from top to bottom, the shapes' light and dark
}

var palettes = []palette{
	{"xanh lam", rgb(0x1d4e89), rgb(0x8ec5fc), rgb(0xffd166), rgb(0x0b2545)},
	{"cam hoàng hôn", rgb(0xf86f3a), rgb(0xfdd89b), rgb(0xfff4d6), rgb(0x6b212a)},
	{"xanh lá", rgb(0x2d6a4f), rgb(0xb7e4c7), rgb(0xfefae0), rgb(0x1b4332)},
	{"tím", rgb(0x5a3286), rgb(0xd9b8f0), rgb(0xffc8dd), rgb(0x2e144d)},
	{"đỏ son", rgb(0xa41623), rgb(0xf4a261), rgb(0xffe66d), rgb(0x4a0a10)},
	{"xanh ngọc", rgb(0x006d77), rgb(0x83c5be), rgb(0xffddd2), rgb(0x003a40)},
	{"vàng nắng", rgb(0xc98a10), rgb(0xfff0b3), rgb(0xffffff), rgb(0x6a4100)},
	{"xám bạc", rgb(0x444f5a), rgb(0xc9d1d9), rgb(0xf2c14e), rgb(0x1f262e)},
}

// composition is a way of drawing shapes over the sky, and what the alt text calls it. draw
// returns the picture's focal point, where its eye falls (the sun, the rings' centre), or nil
// when nothing stands out.
type composition struct {
	name string
	draw func(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint
}

// With 8 palettes and 5 compositions (coprime), pictures 0 to 39 are each a different pair.
var compositions = []composition{
	{"đồi núi nhấp nhô dưới mặt trời", drawHills},
	{"những lớp sóng nước", drawWaves},
	{"dãy nhà phố với ô cửa sáng đèn", drawSkyline},
	{"những vòng tròn đồng tâm", drawRings},
	{"các dải chéo và đốm sáng", drawStripes},
}

// generated is a file the seed made (a cover or a PDF) and how the library describes it.
type generated struct {
	data                 []byte
	name                 string // the file name shown in the library
	alt, caption, credit string
	focal                *models.FocalPoint
}

// coverCredit is the credit of every generated cover.
const coverCredit = "Đồ họa: Ban Biên tập"

// painter draws covers; it holds the parsed fonts, which covers may be drawn with at once.
type painter struct {
	bold, regular *opentype.Font
}

func newPainter() (*painter, error) {
	bold, err := opentype.Parse(boldTTF)
	if err != nil {
		return nil, err
	}
	regular, err := opentype.Parse(regularTTF)
	if err != nil {
		return nil, err
	}
	return &painter{bold: bold, regular: regular}, nil
}

// cover is the n-th picture of the pool, made for the articles of category: the same bytes
// whenever it is drawn.
func (pt *painter) cover(n int, category string) (generated, error) {
	rng := itemRand(streamPictures, n)
	pal, comp := palettes[n%len(palettes)], compositions[n%len(compositions)]
	c := newCanvas(coverWidth, coverHeight)
	c.sky(pal.top, pal.bottom)
	focal := comp.draw(c, pal, rng)
	c.shade(coverHeight-300, color.RGBA{0, 0, 0, 255}, 0.7)
	if err := pt.text(c, "ẢNH MINH HỌA", pt.regular, 30, 80, coverHeight-150, pal.accent); err != nil {
		return generated{}, err
	}
	if err := pt.text(c, category, pt.bold, 84, 80, coverHeight-70, color.RGBA{255, 255, 255, 255}); err != nil {
		return generated{}, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, c.img, &jpeg.Options{Quality: coverQuality}); err != nil {
		return generated{}, err
	}
	return generated{
		data:    buf.Bytes(),
		name:    fmt.Sprintf("anh-minh-hoa-%s-%d.jpg", search.Slugify(category), n%picturesPerTopic+1),
		alt:     fmt.Sprintf("Ảnh minh họa tông %s: %s, dòng chữ “%s” ở góc dưới", pal.name, comp.name, category),
		caption: "Ảnh minh họa chuyên mục " + category,
		credit:  coverCredit,
		focal:   focal,
	}, nil
}

// text draws s from x on the baseline y, shrinking the size until it fits the picture's width.
func (pt *painter) text(c *canvas, s string, f *opentype.Font, size float64, x, y int, col color.RGBA) error {
	for ; ; size-- {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return err
		}
		d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
		if size <= 12 || d.MeasureString(s).Ceil() <= c.w-2*x {
			d.DrawString(s)
			return face.Close()
		}
		if err := face.Close(); err != nil {
			return err
		}
	}
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 255}
}

// mix is a between b (t = 0) and c (t = 1).
func mix(b, c color.RGBA, t float64) color.RGBA {
	ch := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.RGBA{ch(b.R, c.R), ch(b.G, c.G), ch(b.B, c.B), 255}
}

// canvas is an opaque picture drawn on with coverage-weighted blending (soft edges).
type canvas struct {
	img  *image.RGBA
	w, h int
}

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), w: w, h: h}
}

// blend lays col over the pixel at x, y with opacity alpha (0..1).
func (c *canvas) blend(x, y int, col color.RGBA, alpha float64) {
	if x < 0 || y < 0 || x >= c.w || y >= c.h || alpha <= 0 {
		return
	}
	alpha = min(alpha, 1)
	i := c.img.PixOffset(x, y)
	p := c.img.Pix[i : i+3 : i+3]
	p[0] = uint8(float64(p[0]) + (float64(col.R)-float64(p[0]))*alpha)
	p[1] = uint8(float64(p[1]) + (float64(col.G)-float64(p[1]))*alpha)
	p[2] = uint8(float64(p[2]) + (float64(col.B)-float64(p[2]))*alpha)
	c.img.Pix[i+3] = 255
}

// sky fills the picture with a gradient from top to bottom, tilted a little to the right.
func (c *canvas) sky(top, bottom color.RGBA) {
	for y := range c.h {
		for x := range c.w {
			t := 0.8*float64(y)/float64(c.h) + 0.2*float64(x)/float64(c.w)
			i := c.img.PixOffset(x, y)
			c.img.Pix[i] = uint8(float64(top.R) + (float64(bottom.R)-float64(top.R))*t)
			c.img.Pix[i+1] = uint8(float64(top.G) + (float64(bottom.G)-float64(top.G))*t)
			c.img.Pix[i+2] = uint8(float64(top.B) + (float64(bottom.B)-float64(top.B))*t)
			c.img.Pix[i+3] = 255
		}
	}
}

// below fills, in every column, what lies under the curve edge(x), with a soft edge.
func (c *canvas) below(edge func(x float64) float64, col color.RGBA, alpha float64) {
	for x := range c.w {
		e := edge(float64(x))
		top := int(math.Floor(e))
		c.blend(x, top, col, alpha*(1-(e-float64(top))))
		for y := max(top+1, 0); y < c.h; y++ {
			c.blend(x, y, col, alpha)
		}
	}
}

// disc fills a circle, with a soft edge.
func (c *canvas) disc(cx, cy, r float64, col color.RGBA, alpha float64) {
	for y := max(int(cy-r-1), 0); y <= min(int(cy+r+1), c.h-1); y++ {
		for x := max(int(cx-r-1), 0); x <= min(int(cx+r+1), c.w-1); x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			c.blend(x, y, col, alpha*math.Max(0, math.Min(1, r-d+0.5)))
		}
	}
}

// rect fills a rectangle.
func (c *canvas) rect(x0, y0, x1, y1 int, col color.RGBA, alpha float64) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			c.blend(x, y, col, alpha)
		}
	}
}

// shade darkens from row y0 down, more and more, to opacity alpha at the bottom: the band
// the text is read on.
func (c *canvas) shade(y0 int, col color.RGBA, alpha float64) {
	for y := max(y0, 0); y < c.h; y++ {
		t := float64(y-y0) / float64(c.h-y0)
		for x := range c.w {
			c.blend(x, y, col, alpha*math.Sqrt(t))
		}
	}
}

// between is a random number in [lo, hi).
func between(rng *rand.Rand, lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }

// focalAt is the focal point of the pixel x, y, in fractions of the picture, to two decimals.
func (c *canvas) focalAt(x, y float64) *models.FocalPoint {
	return &models.FocalPoint{X: math.Round(100*x/float64(c.w)) / 100, Y: math.Round(100*y/float64(c.h)) / 100}
}

func drawHills(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint {
	w, h := float64(c.w), float64(c.h)
	sx, sy, r := between(rng, 0.2, 0.8)*w, between(rng, 0.18, 0.35)*h, between(rng, 80, 130)
	c.disc(sx, sy, r*1.8, p.accent, 0.18)
	c.disc(sx, sy, r, p.accent, 0.95)
	for k := range 3 {
		base, amp := h*(0.5+0.12*float64(k)), between(rng, 30, 70)
		freq, phase := between(rng, 1.5, 3.5)*math.Pi/w, between(rng, 0, 2*math.Pi)
		col := mix(p.bottom, p.ink, 0.45+0.25*float64(k))
		c.below(func(x float64) float64 { return base + amp*math.Sin(x*freq+phase) + amp/3*math.Sin(x*freq*3.1+phase) }, col, 1)
	}
	return c.focalAt(sx, sy)
}

func drawWaves(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint {
	w, h := float64(c.w), float64(c.h)
	sx, sy := between(rng, 0.15, 0.85)*w, between(rng, 0.15, 0.3)*h
	c.disc(sx, sy, between(rng, 50, 90), p.accent, 0.85)
	for k := range 6 {
		base, amp := h*(0.42+0.09*float64(k)), between(rng, 10, 28)
		freq, phase := between(rng, 4, 9)*math.Pi/w, between(rng, 0, 2*math.Pi)
		col := mix(p.top, p.ink, 0.15+0.14*float64(k))
		c.below(func(x float64) float64 { return base + amp*math.Sin(x*freq+phase) }, col, 0.9)
		c.below(func(x float64) float64 { return base + 4 + amp*math.Sin(x*freq+phase) }, p.accent, 0.12) // the light on a crest
	}
	return c.focalAt(sx, sy)
}

func drawSkyline(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint {
	w, h := float64(c.w), float64(c.h)
	c.disc(between(rng, 0.1, 0.9)*w, between(rng, 0.12, 0.25)*h, between(rng, 40, 70), p.accent, 0.9)
	for row, shade := range []float64{0.35, 0.75} { // the far row, paler, then the near one
		for x := int(between(rng, -60, 0)); x < c.w; {
			bw := int(between(rng, 60, 170))
			top := int(h * between(rng, 0.25+0.15*float64(row), 0.6+0.1*float64(row)))
			c.rect(x, top, x+bw-6, c.h, mix(p.bottom, p.ink, shade), 1)
			if row == 1 {
				for wy := top + 20; wy < c.h-40; wy += 36 {
					for wx := x + 12; wx+14 < x+bw-12; wx += 28 {
						if rng.IntN(3) > 0 {
							c.rect(wx, wy, wx+14, wy+18, p.accent, 0.75)
						}
					}
				}
			}
			x += bw
		}
	}
	return nil // a street: no one place to keep in a crop
}

func drawRings(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint {
	w, h := float64(c.w), float64(c.h)
	cx, cy := between(rng, 0.25, 0.75)*w, between(rng, 0.3, 0.6)*h
	var radii [9]float64 // of the discs from the largest, each laid over the ones before
	for k := range radii {
		radii[k] = float64(len(radii)-k) * between(rng, 70, 95)
	}
	// One distance per pixel for all the discs, instead of one per disc.
	for y := range c.h {
		for x := range c.w {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			for k, r := range radii {
				if d >= r+0.5 {
					continue
				}
				col := p.accent
				if k%2 == 1 {
					col = p.ink
				}
				c.blend(x, y, col, 0.22*math.Min(1, r-d+0.5))
			}
		}
	}
	c.disc(cx, cy, 40, p.accent, 0.9)
	return c.focalAt(cx, cy)
}

func drawStripes(c *canvas, p palette, rng *rand.Rand) *models.FocalPoint {
	slope, band := between(rng, 0.4, 1.2), between(rng, 70, 140)
	for y := range c.h {
		for x := range c.w {
			if int(math.Floor((float64(x)+slope*float64(y))/band))%2 == 0 {
				c.blend(x, y, p.ink, 0.16)
			}
		}
	}
	for range 12 {
		c.disc(between(rng, 0, float64(c.w)), between(rng, 0, float64(c.h)*0.75), between(rng, 20, 110), p.accent, between(rng, 0.15, 0.45))
	}
	return nil // a pattern all over
}
