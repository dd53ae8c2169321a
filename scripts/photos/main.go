// Command photos writes large JPEGs like a camera's for memory measurements (scripts/media-rss.sh):
// smooth colour fields with grain, so they compress as photos do (a flat image would be a few
// KiB, and decode no differently, but would not stream like a real upload).
//
//	go run ./scripts/photos -n 10 -width 6000 -height 4000 -o /tmp/photos
package main

import (
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	n := flag.Int("n", 10, "how many photos")
	width := flag.Int("width", 6000, "width in pixels")
	height := flag.Int("height", 4000, "height in pixels")
	out := flag.String("o", ".", "directory to write photo-N.jpg in")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for i := range *n {
		path := filepath.Join(*out, fmt.Sprintf("photo-%d.jpg", i+1))
		if err := write(path, *width, *height, uint64(i)); err != nil {
			log.Fatal(err)
		}
		st, _ := os.Stat(path)
		fmt.Printf("%s %d×%d %.1f MiB\n", path, *width, *height, float64(st.Size())/(1<<20))
	}
}

func write(path string, w, h int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2026))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	fx, fy := 3+rng.Float64()*4, 2+rng.Float64()*3
	for y := range h {
		for x := range w {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			luma := 128 + 70*math.Sin(u*fx*math.Pi+math.Cos(v*fy*math.Pi)) + rng.NormFloat64()*10
			img.Y[y*img.YStride+x] = clamp(luma)
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			u, v := float64(x*2)/float64(w), float64(y*2)/float64(h)
			i := y*img.CStride + x
			img.Cb[i] = clamp(128 + 40*math.Cos(u*5+v*3) + rng.NormFloat64()*3)
			img.Cr[i] = clamp(128 + 40*math.Sin(v*4-u*2) + rng.NormFloat64()*3)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 88}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func clamp(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }
