package search

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// vietMarks are the combining marks of Vietnamese: the five tones and the
// vowel modifiers (breve, circumflex, horn).
var vietMarks = map[rune]bool{
	0x0300: true, 0x0301: true, 0x0303: true, 0x0309: true, 0x0323: true,
	0x0302: true, 0x0306: true, 0x031B: true,
}

// isVietnameseRune reports whether r belongs to written Vietnamese: ASCII,
// đ/Đ, a Vietnamese combining mark, or a letter that decomposes into an
// ASCII letter and Vietnamese marks.
func isVietnameseRune(r rune) bool {
	if r < utf8.RuneSelf || r == 'đ' || r == 'Đ' || vietMarks[r] {
		return true
	}
	d := []rune(norm.NFD.String(string(r)))
	if len(d) < 2 || d[0] >= utf8.RuneSelf || !unicode.IsLetter(d[0]) {
		return false
	}
	for _, m := range d[1:] {
		if !vietMarks[m] {
			return false
		}
	}
	return true
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"", "Mặt trận Tổ quốc", "ĐẠI HỘI", norm.NFD.String("Thanh Hoá thuỷ"), "17,9 tỷ",
		"東京 😀", "a\xffb", "\u0300\u0301", "ǅ½ﬁ", "가각", "İı", "\u00ad\u200d\u200b",
		"Vĩnh Long: Vận động Quỹ Vì người nghèo",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if again := Fold(got); again != got {
			t.Fatalf("Fold not idempotent: Fold(%q) = %q, Fold of that = %q", s, got, again)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%q) = %q is not valid UTF-8", s, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("Fold(%q) = %q has stray spaces", s, got)
		}
		if ref := refFold(s); ref != got {
			t.Fatalf("Fold(%q) = %q, reference %q", s, got, ref)
		}
		if !utf8.ValidString(s) {
			return
		}
		if c, d := Fold(norm.NFC.String(s)), Fold(norm.NFD.String(s)); c != got || d != got {
			t.Fatalf("Fold(%q) = %q but NFC gives %q, NFD gives %q", s, got, c, d)
		}
		viet := true
		for _, r := range s {
			if !isVietnameseRune(r) {
				viet = false
				break
			}
		}
		if viet && !isASCII(got) {
			t.Fatalf("Fold(%q) = %q: Vietnamese input gave non-ASCII output", s, got)
		}
		if m := buildFoldMap(s); string(m.folded) != got {
			t.Fatalf("buildFoldMap(%q) = %q, Fold = %q", s, m.folded, got)
		}
	})
}

func FuzzSnippet(f *testing.F) {
	f.Add("Ban Thường trực Ủy ban Mặt trận Tổ quốc", "uy ban", 20)
	f.Add(norm.NFD.String("Thanh Hoá và Khánh Hòa"), "hoa", 160)
	f.Add("<script>alert('x')</script> & hòa", "script hoa", 5)
	f.Add("a\xff\xfeb hòa\xc3", "\xc3 hoa", 1)
	f.Add("½ ǆ ﬁ", "1 dz fi", 3)
	f.Add("", "", 0)
	f.Fuzz(func(t *testing.T, text, query string, width int) {
		if width > 1<<16 {
			width %= 1 << 16
		}
		got := Snippet(text, query, width)
		checkSnippet(t, text, query, got)
	})
}

func FuzzStripHTML(f *testing.F) {
	f.Add("<p>Đại hội</p><p>đại biểu</p>")
	f.Add("a<script>x</script>b<!--c-->d&amp;e")
	f.Add("<p attr=\"x")
	f.Fuzz(func(t *testing.T, s string) {
		got := StripHTML(s)
		if !utf8.ValidString(got) {
			t.Fatalf("StripHTML(%q) = %q is not valid UTF-8", s, got)
		}
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Fatalf("StripHTML(%q) = %q: whitespace not collapsed", s, got)
		}
	})
}

// FuzzSlugify: a slug is only [a-z0-9] words joined by single dashes, leaving room for a suffix under MaxSlugLen,
// stable under Slugify again, and empty only when the input folds to no letter or digit.
func FuzzSlugify(f *testing.F) {
	for _, s := range []string{
		"Mặt trận địa phương", "ĐẠI HỘI đại biểu toàn quốc lần thứ X", "--a--b--", "Straße Łódź",
		"東京 😀", "a\xffb", strings.Repeat("dài ", 40), strings.Repeat("x", 200), "17,9 tỷ đồng",
	} {
		f.Add(s)
	}
	slug := regexp.MustCompile(`^([a-z0-9]+(-[a-z0-9]+)*)?$`)
	f.Fuzz(func(t *testing.T, s string) {
		got := Slugify(s)
		if !slug.MatchString(got) {
			t.Fatalf("Slugify(%q) = %q is not dash-joined [a-z0-9] words", s, got)
		}
		if len(got) > MaxSlugLen-slugSuffixRoom {
			t.Fatalf("Slugify(%q) = %q is longer than %d", s, got, MaxSlugLen-slugSuffixRoom)
		}
		if got != "" && !IsSlug(got) {
			t.Fatalf("Slugify(%q) = %q is not a slug by IsSlug", s, got)
		}
		if again := Slugify(got); again != got {
			t.Fatalf("Slugify not stable: Slugify(%q) = %q, Slugify of that = %q", s, got, again)
		}
		if got == "" && strings.ContainsFunc(Fold(s), func(r rune) bool { return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' }) {
			t.Fatalf("Slugify(%q) is empty but its folding %q has letters or digits", s, Fold(s))
		}
	})
}

// FuzzParseQuery: any text parses without panicking into at most MaxTerms words typed, and a
// text that says the query's words as typed (quotes dropped) is always a hit: quotes only make
// the words adjacent, and abbreviations only add forms.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`"bao ve an ninh"`, `“an ninh” to quoc`, `"bao ve an`, "tp.hcm ubnd", `"" " "`, "mặt trận tổ quốc",
		`"ubnd" kt-xh`, "a\xff\"b", strings.Repeat("lo ", 30)} {
		f.Add(s)
	}
	dict := ShippedDictionary()
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s, dict)
		typed := 0
		for _, g := range q.Groups {
			if len(g) == 0 || len(g[0].Words) == 0 {
				t.Fatalf("ParseQuery(%q) = %s: an empty group or alternative", s, q)
			}
			typed += len(g[0].Words)
		}
		if typed > MaxTerms {
			t.Fatalf("ParseQuery(%q) read %d words", s, typed)
		}
		if q.Empty() != ParseQuery(s, nil).Empty() {
			t.Fatalf("ParseQuery(%q): the dictionary changed whether it has words", s)
		}
		text := quoteMarks.Replace(s)
		if len(Terms(strings.ReplaceAll(text, `"`, " "))) < MaxTerms && !q.Empty() && !q.MatchesFolded(Fold(strings.ReplaceAll(text, `"`, " "))) {
			t.Fatalf("ParseQuery(%q) = %s does not match the query's own words", s, q)
		}
	})
}
