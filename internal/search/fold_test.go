package search

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const fixturesDir = "testdata/"

// refFold is an independent, slow reference for Fold: whole-string NFKD,
// then per-rune filtering, lower-casing and separator collapsing.
func refFold(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = norm.NFKD.String(s)
	var b strings.Builder
	pending := false
	for _, r := range s {
		var word bool
		switch {
		case r == 'đ' || r == 'Đ':
			r, word = 'd', true
		case r == 0x00AD || r == 0x034F || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
			continue
		case unicode.In(r, unicode.Mn, unicode.Me):
			continue
		case unicode.Is(unicode.Mc, r):
			if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
				continue
			}
			word = true
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			word = true
		}
		if !word {
			pending = true
			continue
		}
		if pending && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pending = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestFoldTable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"abc", "abc"},
		{"hello world", "hello world"},
		{"Hello,  World!!", "hello world"},
		{"  leading and trailing  ", "leading and trailing"},
		{"tab\tnew\nline\r\n", "tab new line"},
		{"Mặt trận Tổ quốc Việt Nam", "mat tran to quoc viet nam"},
		{"MẶT TRẬN TỔ QUỐC VIỆT NAM", "mat tran to quoc viet nam"},
		{"Đại hội đại biểu", "dai hoi dai bieu"},
		{"ĐẠI HỘI ĐẠI BIỂU", "dai hoi dai bieu"},
		{"đĐ", "dd"},
		{"Vĩnh Long: Vận động", "vinh long van dong"},
		{"Vĩnh Long:Vận động", "vinh long van dong"},
		{"17,9 tỷ đồng", "17 9 ty dong"},
		{"244,5 triệu", "244 5 trieu"},
		{"ngày 23/8", "ngay 23 8"},
		{"22 và 23-8", "22 va 23 8"},
		{"Số 3456/MTTW-BTT", "so 3456 mttw btt"},
		{"(Mặt trận) - Chiều", "mat tran chieu"},
		{"“Phát huy vai trò”…", "phat huy vai tro"},
		{"a\u00a0b", "a b"},    // no-break space
		{"a\u200bb", "a b"},    // zero-width space separates
		{"Việ\u00adt", "viet"}, // soft hyphen joins
		{"a\u200db", "ab"},     // zero-width joiner joins
		{"ĂÂÊÔƠƯăâêôơư", "aaeoouaaeoou"},
		{"àáảãạ ằắẳẵặ ầấẩẫậ", "aaaaa aaaaa aaaaa"},
		{"èéẻẽẹ ềếểễệ", "eeeee eeeee"},
		{"ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ", "iiiii ooooo ooooo ooooo"},
		{"ùúủũụ ừứửữự ỳýỷỹỵ", "uuuuu uuuuu yyyyy"},
		{"ÀÁẢÃẠ ỲÝỶỸỴ", "aaaaa yyyyy"},
		{"naïve café Ångström", "naive cafe angstrom"},
		{"ﬁ ½ ² Ⅻ", "fi 1 2 2 xii"},                   // compatibility decompositions
		{"ＡＢＣ１２３", "abc123"},                          // full width
		{"東京 2024", "東京 2024"},                        // CJK kept
		{"Tiếng Việt 😀 emoji 👍🏽", "tieng viet emoji"}, // emoji separate
		{"ΑΘΗΝΑ Ελλάδα", "αθηνα ελλαδα"},
		{"МОСКВА", "москва"},
		{"a\xffb\xfe", "a b"}, // invalid UTF-8 separates
		{"\x00\x01x", "x"},
		{"İstanbul", "istanbul"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := refFold(tt.in); got != tt.want {
			t.Errorf("refFold(%q) = %q, want %q (test or reference broken)", tt.in, got, tt.want)
		}
	}
}

// Old-style (hoà) and new-style (hòa) tone placement, NFC and NFD, upper
// and lower case must all fold alike.
func TestFoldTonePlacement(t *testing.T) {
	pairs := []struct{ old, new, want string }{
		{"hoà", "hòa", "hoa"},
		{"hoá", "hóa", "hoa"},
		{"Thanh Hoá", "Thanh Hóa", "thanh hoa"},
		{"khoẻ", "khỏe", "khoe"},
		{"thuý", "thúy", "thuy"},
		{"thuỷ", "thủy", "thuy"},
		{"uỷ ban", "ủy ban", "uy ban"},
		{"Uỷ ban", "Ủy ban", "uy ban"},
		{"UỶ BAN", "ỦY BAN", "uy ban"},
		{"hoạ sĩ", "họa sĩ", "hoa si"},
		{"quý", "qúy", "quy"},
		{"Khánh Hoà", "Khánh Hòa", "khanh hoa"},
		{"loè loẹt", "lòe lọet", "loe loet"},
	}
	forms := map[string]func(string) string{
		"as-is": func(s string) string { return s },
		"NFC":   norm.NFC.String,
		"NFD":   norm.NFD.String,
		"NFKC":  norm.NFKC.String,
		"NFKD":  norm.NFKD.String,
	}
	for _, p := range pairs {
		for fname, f := range forms {
			for _, in := range []string{p.old, p.new} {
				if got := Fold(f(in)); got != p.want {
					t.Errorf("Fold(%s(%q)) = %q, want %q", fname, in, got, p.want)
				}
			}
		}
		if Slugify(norm.NFD.String(p.old)) != Slugify(p.new) {
			t.Errorf("Slugify differs for %q / %q", p.old, p.new)
		}
		if !Matches(norm.NFD.String(p.old), p.new) || !Matches(p.new, norm.NFD.String(p.old)) {
			t.Errorf("Matches fails between %q and %q", p.old, p.new)
		}
	}
}

// TestFoldNFDInput checks decomposed input against the composed form,
// including the uppercase Đ (which has no decomposition).
func TestFoldNFDInput(t *testing.T) {
	texts := []string{
		"Đồng chí Đỗ Văn Chiến Ủy viên Bộ Chính trị",
		"Bảo vệ an ninh, giữ gìn trật tự, an toàn xã hội",
		"PHONG TRÀO TOÀN DÂN BẢO VỆ AN NINH TỔ QUỐC",
		"xã Hiệp Phước, huyện Nhà Bè",
	}
	for _, s := range texts {
		nfd := norm.NFD.String(s)
		if nfd == s {
			t.Fatalf("test text %q has no decomposition", s)
		}
		f := Fold(s)
		if got := Fold(nfd); got != f {
			t.Errorf("Fold(NFD %q) = %q, want %q", s, got, f)
		}
		if !isASCII(f) {
			t.Errorf("Fold(%q) = %q is not ASCII", s, f)
		}
	}
}

// TestFoldEveryRune checks each single rune against the reference and for
// idempotence and NFC/NFD invariance.
func TestFoldEveryRune(t *testing.T) {
	limit := rune(unicode.MaxRune)
	if testing.Short() {
		limit = 0x3000
	}
	for r := rune(0); r <= limit; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		f := Fold(s)
		if g := Fold(f); g != f {
			t.Fatalf("%U: Fold not idempotent: %q -> %q", r, f, g)
		}
		if ref := refFold(s); ref != f {
			t.Fatalf("%U: Fold = %q, reference %q", r, f, ref)
		}
		if d := Fold(norm.NFD.String(s)); d != f {
			t.Fatalf("%U: Fold(NFD) = %q, Fold = %q", r, d, f)
		}
	}
}

// TestFoldMixed compares Fold with the reference on pseudo-random strings
// built from tricky pieces.
func TestFoldMixed(t *testing.T) {
	pieces := []string{
		"a", "Z", "9", " ", ",", "-", "Đ", "đ", "ệ", "Ự", "ỷ", "\u0300", "\u0323", "\u031b",
		"\u0302\u0301", "o\u031b\u0323", "\u00ad", "\u200d", "\u200b", "\xff", "\xe1\xbb", "東",
		"가", "\u1100\u1161", "😀", "\u0915\u093f", "\u0939\u094d\u200d", "ﬁ", "½", "\U0001D165\U0001D16D", "İ", "ß",
		"\u0e01\u0e34", "\t", "“", "…", "\u0345", "Ω", "Å",
	}
	seed := uint32(1)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := next() % 12; n > 0; n-- {
			b.WriteString(pieces[next()%uint32(len(pieces))])
		}
		s := b.String()
		f := Fold(s)
		if ref := refFold(s); f != ref {
			t.Fatalf("Fold(%q) = %q, reference %q", s, f, ref)
		}
		if g := Fold(f); g != f {
			t.Fatalf("Fold(Fold(%q)) = %q, want %q", s, g, f)
		}
		if utf8.ValidString(s) {
			if c, d := Fold(norm.NFC.String(s)), Fold(norm.NFD.String(s)); c != f || d != f {
				t.Fatalf("Fold(%q) = %q, of NFC %q, of NFD %q", s, f, c, d)
			}
		}
		if m := buildFoldMap(s); string(m.folded) != f || len(m.start) != len(m.folded) {
			t.Fatalf("buildFoldMap(%q) = %q (%d offsets), Fold = %q", s, m.folded, len(m.start), f)
		}
	}
}

func TestFoldASCIIFastPathNoAlloc(t *testing.T) {
	s := "already folded text 123"
	if n := testing.AllocsPerRun(100, func() { _ = Fold(s) }); n != 0 {
		t.Errorf("Fold of folded ASCII allocates %v times", n)
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,.;  ", nil},
		{"bảo vệ an ninh", []string{"bao", "ve", "an", "ninh"}},
		{"Bảo  VỆ,an-ninh", []string{"bao", "ve", "an", "ninh"}},
		{"đại hội đại biểu", []string{"dai", "hoi", "bieu"}},
		{"Hoà hòa HOÀ", []string{"hoa"}},
		{"17,9 tỷ", []string{"17", "9", "ty"}},
		{"a b c d e f g h i j k l m n o p q r s t", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"}},
		{"a a a a a a a a a a a a a a a a a a b", []string{"a", "b"}},
	}
	for _, tt := range tests {
		got := Terms(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > MaxTerms {
			t.Errorf("Terms(%q) returned %d terms", tt.in, len(got))
		}
	}
}

// literalMatches is the specification of Matches spelled out.
func literalMatches(query, text string) bool {
	terms := Terms(query)
	if len(terms) == 0 {
		return false
	}
	words := strings.Fields(Fold(text))
	for i, t := range terms {
		found := false
		for _, w := range words {
			if w == t || i == len(terms)-1 && strings.HasPrefix(w, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMatchesFixture runs the search cases of testdata/; the database search
// must agree with the same file.
func TestMatchesFixture(t *testing.T) {
	path := fixturesDir + "search-cases.tsv"
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line, rows := 0, 0
	for sc.Scan() {
		line++
		if line == 1 {
			if !strings.HasPrefix(sc.Text(), "query\t") {
				t.Fatalf("%s: unexpected header %q", path, sc.Text())
			}
			continue
		}
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 || (cols[2] != "yes" && cols[2] != "no") {
			t.Fatalf("%s:%d: malformed row %q", path, line, sc.Text())
		}
		rows++
		query, text, want := cols[0], cols[1], cols[2] == "yes"
		for _, form := range []struct {
			name string
			f    func(string) string
		}{{"as-is", func(s string) string { return s }}, {"NFC", norm.NFC.String}, {"NFD", norm.NFD.String}} {
			if got := Matches(form.f(query), form.f(text)); got != want {
				t.Errorf("%s:%d (%s): Matches(%q, %q) = %v, want %v", path, line, form.name, query, text, got, want)
			}
		}
		if plain := ParseQuery(query, ShippedDictionary()).String() == ParseQuery(query, nil).String() && !strings.ContainsAny(query, `"“”`); !plain {
			continue // phrases and abbreviations: TestParseQuery and TestMatchesPhrasesAndAbbreviations
		}
		if got := literalMatches(query, text); got != want {
			t.Errorf("%s:%d: literal predicate (%q, %q) = %v, want %v", path, line, query, text, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		t.Fatalf("%s: no cases", path)
	}
}

func TestMatches(t *testing.T) {
	const text = "Vĩnh Long: Vận động Quỹ Vì người nghèo các cấp được hơn 17,9 tỷ đồng"
	tests := []struct {
		query string
		want  bool
	}{
		{"vinh long", true},
		{"VĨNH LONG", true},
		{"vĩnh", true},
		{"vinh lon", true},  // the last term may be a word's start
		{"vin long", false}, // the others are whole words
		{"vin lon", false},
		{"inh", false},        // not at a word start
		{"ong", false},        // "long", "dong" contain it, but not as prefix
		{"nguoi ngheo", true}, // order and adjacency do not matter
		{"ngheo nguoi", true},
		{"quy", true},
		{"quỹ", true},
		{"quý", true}, // tone marks ignored both ways
		{"17,9", true},
		{"17.9 tỷ", true},
		{"18", false},
		{"dong", true},
		{"đồng", true},
		{"vinh gia", false}, // all terms required
		{"", false},
		{"  ,  ", false},
		{"long:", true},
	}
	for _, tt := range tests {
		if got := Matches(tt.query, text); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.query, got, tt.want)
		}
		if got := literalMatches(tt.query, text); got != tt.want {
			t.Errorf("literalMatches(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
	if (Query{}).MatchesFolded("abc") {
		t.Error("MatchesFolded of an empty query = true")
	}
	if !ParseQuery("ab ba", nil).MatchesFolded("xab ab bab bac") {
		t.Error("MatchesFolded missed a later word-start occurrence")
	}
	if ParseQuery("ab ba", nil).MatchesFolded("abc bab ba") {
		t.Error("MatchesFolded took a prefix for a whole word before the last term")
	}
	if ParseQuery("ab", nil).MatchesFolded("xab bab") {
		t.Error("MatchesFolded matched inside words")
	}
}

func TestSlugify(t *testing.T) {
	long := strings.Repeat("Mặt trận ", 20)
	tests := []struct{ in, want string }{
		{"Mặt trận địa phương", "mat-tran-dia-phuong"},
		{"Đại hội đại biểu", "dai-hoi-dai-bieu"},
		{"ĐẠI HỘI ĐẠI BIỂU", "dai-hoi-dai-bieu"},
		{"Vĩnh Long: Vận động Quỹ Vì người nghèo", "vinh-long-van-dong-quy-vi-nguoi-ngheo"},
		{"17,9 tỷ đồng", "17-9-ty-dong"},
		{"  --Hello--World--  ", "hello-world"},
		{"Thanh Hoá", "thanh-hoa"},
		{"Thanh Hóa", "thanh-hoa"},
		{"“Phát huy vai trò” – (kỳ 2)", "phat-huy-vai-tro-ky-2"},
		{"Tokyo 東京 2024", "tokyo-2024"},
		{"東京", ""},
		{"!!! ??? ...", ""},
		{"— … ★ 😀", ""},
		{"", ""},
		{"Straße Ærø Łódź", "strasse-aero-lodz"},
		{"C++ & Go", "c-go"},
		{"a_b", "a-b"},
		{long, strings.TrimSuffix(strings.Repeat("mat-tran-", 9), "-")}, // 80 bytes exactly, cut before a dash
		{strings.Repeat("Đại hội ", 20), strings.TrimSuffix(strings.Repeat("dai-hoi-", 10), "-")}, // 79 bytes; "dai" would pass 80
		{strings.Repeat("x", 100), strings.Repeat("x", 80)},
		{strings.Repeat("ab ", 40), strings.TrimSuffix(strings.Repeat("ab-", 27), "-")}, // exactly 80 would end in '-'
	}
	for _, tt := range tests {
		got := Slugify(tt.in)
		if got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > MaxSlugLen-slugSuffixRoom {
			t.Errorf("Slugify(%q) too long: %d", tt.in, len(got))
		}
		if got != "" && !IsSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a slug by IsSlug", tt.in, got)
		}
		for i := 0; i < len(got); i++ {
			c := got[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				t.Errorf("Slugify(%q) = %q has invalid byte %q", tt.in, got, c)
			}
		}
		if strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Errorf("Slugify(%q) = %q has stray dashes", tt.in, got)
		}
	}
	// A slug of exactly 80 bytes is kept whole.
	exact := strings.Repeat("abcd-", 15) + "abcd" // 79
	exact += "e"                                  // 80
	if got := Slugify(strings.ReplaceAll(exact, "-", " ")); got != exact {
		t.Errorf("Slugify(80-byte title) = %q, want %q", got, exact)
	}
}

func TestIsSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"mat-tran-dia-phuong":             true,
		"2026":                            true,
		strings.Repeat("a", MaxSlugLen):   true,
		strings.Repeat("a", MaxSlugLen+1): false,
		"":                                false,
		"Tin-tuc":                         false,
		"tin--tuc":                        false,
		"-tin":                            false,
		"tin-":                            false,
		"tin_tuc":                         false,
		"tin tuc":                         false,
		"đại-hội":                         false,
	} {
		if got := IsSlug(s); got != want {
			t.Errorf("IsSlug(%q) = %v, want %v", s, got, want)
		}
	}
}
