package search

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// benchText returns about 4 KB of the sample article, cut at a rune boundary.
func benchText(b *testing.B) string {
	data, err := os.ReadFile(fixturesDir + "mattran-article-page.txt")
	if err != nil {
		b.Fatalf("fixture missing: %v", err)
	}
	s := string(data)
	i := strings.Index(s, "Theo đó") // start of the body paragraphs
	if i < 0 {
		i = 0
	}
	s = s[i:]
	n := min(4096, len(s))
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func BenchmarkFold(b *testing.B) {
	s := benchText(b)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Fold(s)
	}
}

func BenchmarkFoldNFD(b *testing.B) {
	s := norm.NFD.String(benchText(b))
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Fold(s)
	}
}

func BenchmarkFoldASCII(b *testing.B) {
	s := Fold(benchText(b)) // already folded: the no-copy fast path
	t := strings.ToUpper(s) // needs folding
	b.Run("folded", func(b *testing.B) {
		b.SetBytes(int64(len(s)))
		b.ReportAllocs()
		for b.Loop() {
			_ = Fold(s)
		}
	})
	b.Run("upper", func(b *testing.B) {
		b.SetBytes(int64(len(t)))
		b.ReportAllocs()
		for b.Loop() {
			_ = Fold(t)
		}
	})
}

func BenchmarkFoldQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Fold("Bảo vệ an ninh Tổ quốc")
	}
}

func BenchmarkSnippet(b *testing.B) {
	s := benchText(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = Snippet(s, "hiệp phước nhà bè", 160)
	}
}

func BenchmarkStripHTML(b *testing.B) {
	s := benchText(b)
	h := "<p>" + strings.ReplaceAll(s, "\n", "</p>\n<p>") + "</p>"
	b.SetBytes(int64(len(h)))
	b.ReportAllocs()
	for b.Loop() {
		_ = StripHTML(h)
	}
}
