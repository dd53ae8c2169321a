package search

import (
	"html"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestSnippetTable(t *testing.T) {
	const lead = "Ban Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam Thành phố và Công an Thành phố ký kết Quy chế phối hợp để đẩy mạnh công tác tham mưu, phối hợp triển khai thực hiện các văn bản chỉ đạo của Đảng, Nhà nước, Mặt trận Tổ quốc Việt Nam"
	tests := []struct {
		name, text, query string
		width             int
		want              string
	}{
		{"empty", "", "abc", 160, ""},
		{"no query", "Hello world", "", 160, "Hello world"},
		{"no hit, short", "Xin chào <bạn> & \"tôi\"", "zzz", 160, "Xin chào &lt;bạn&gt; &amp; &#34;tôi&#34;"},
		{"no hit, long", lead, "zzz", 30, "Ban Thường trực Ủy ban Mặt…"},
		{"hit at start", lead, "ban", 30, "<mark>Ban</mark> Thường trực Ủy <mark>ban</mark> Mặt…"},
		{"accent-insensitive", lead, "uy ban", 30, "<mark>Ban</mark> Thường trực <mark>Ủy</mark> <mark>ban</mark> Mặt…"},
		{"prefix highlight", lead, "thuon", 30, "Ban <mark>Thườn</mark>g trực Ủy ban Mặt…"},
		{"hit in middle", lead, "quy che", 40, "…ký kết <mark>Quy</mark> <mark>chế</mark> phối hợp để đẩy mạnh công…"},
		{"hit near end", lead, "đảng", 40, "…đạo của <mark>Đảng</mark>, Nhà nước, Mặt trận Tổ quốc…"},
		{"window reaches end", lead, "nha nuoc", 60, "…bản chỉ đạo của Đảng, <mark>Nhà</mark> <mark>nước</mark>, Mặt trận Tổ quốc Việt Nam"},
		{"only word starts", "bảo vệ an ninh, giữ gìn", "inh", 160, "bảo vệ an ninh, giữ gìn"},
		{"escape around marks", `a<b> "Hòa" & 'x'`, "hoa", 160, `a&lt;b&gt; &#34;<mark>Hòa</mark>&#34; &amp; &#39;x&#39;`},
		{"punctuation boundary", "Vĩnh Long:Vận động", "van", 160, "Vĩnh Long:<mark>Vận</mark> động"},
		{"whitespace collapsed", "  Hòa\n\n  bình \t ", "binh", 160, "Hòa <mark>bình</mark>"},
		{"digits", "được hơn 17,9 tỷ đồng", "17,9 ty", 160, "được hơn <mark>17</mark>,<mark>9</mark> <mark>tỷ</mark> đồng"},
		{"longest term wins", "người nghèo", "nguoi ng", 160, "<mark>người</mark> <mark>ng</mark>hèo"},
		{"only the last term marks a word's start", "Quyết định ban hành Quy chế phối hợp", "quy che phoi hop", 160,
			"Quyết định ban hành <mark>Quy</mark> <mark>chế</mark> <mark>phối</mark> <mark>hợp</mark>"},
		{"the last term marks a word's start", "Quy chế phối hợp", "phoi h", 160, "Quy chế <mark>phối</mark> <mark>h</mark>ợp"},
		{"old tone placement", "tỉnh Khánh Hoà", "hòa", 160, "tỉnh Khánh <mark>Hoà</mark>"},
		{"default width", strings.Repeat("chữ ", 100) + "đích", "dich", 0, ""},
		{"tiny width", lead, "phoi", 1, "…<mark>phối</mark>…"},
	}
	for _, tt := range tests {
		got := Snippet(tt.text, tt.query, tt.width)
		if tt.name == "default width" {
			if !strings.HasSuffix(got, "<mark>đích</mark>") || utf8.RuneCountInString(got) > DefaultSnippetWidth+40 {
				t.Errorf("%s: Snippet = %q", tt.name, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Snippet(%q, %q, %d) =\n  %q\nwant\n  %q", tt.name, tt.text, tt.query, tt.width, got, tt.want)
		}
	}
}

// NFD text: the mark must enclose the base letters and their combining
// marks, and the output is cut from the original (decomposed) text.
func TestSnippetNFD(t *testing.T) {
	text := norm.NFD.String("Thanh Hoá và Khánh Hòa")
	got := Snippet(text, "hoa", 160)
	want := "Thanh <mark>" + norm.NFD.String("Hoá") + "</mark> " + norm.NFD.String("và Khánh") + " <mark>" + norm.NFD.String("Hòa") + "</mark>"
	if got != want {
		t.Errorf("Snippet(NFD) = %q, want %q", got, want)
	}
	// A prefix ending on a letter with marks keeps the marks inside.
	got = Snippet(norm.NFD.String("Hoà bình"), "ho", 160)
	if want := "<mark>H" + norm.NFD.String("o") + "</mark>" + norm.NFD.String("à") + " bình"; norm.NFC.String(got) != norm.NFC.String(want) {
		t.Errorf("Snippet(NFD prefix) = %q, want %q", got, want)
	}
	got = Snippet(norm.NFD.String("Hòa bình"), "hoa", 160)
	if !strings.HasPrefix(got, "<mark>"+norm.NFD.String("Hòa")+"</mark>") {
		t.Errorf("Snippet(NFD) split combining marks: %q", got)
	}
}

func TestSnippetInvalidUTF8(t *testing.T) {
	got := Snippet("a\xffb hòa\xfe", "hoa", 160)
	if want := "a\uFFFDb <mark>hòa</mark>\uFFFD"; got != want {
		t.Errorf("Snippet(invalid) = %q, want %q", got, want)
	}
	if !utf8.ValidString(Snippet("\xff\xfe\xfd", "\xff", 3)) {
		t.Error("Snippet output not valid UTF-8")
	}
}

func TestSnippetArticle(t *testing.T) {
	b, err := os.ReadFile(fixturesDir + "mattran-article-page.txt")
	if err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	text := string(b)
	for _, q := range []string{"hiep phuoc", "Đỗ Văn Chiến", "tim kiem van ban", "244,5 trieu", "antq", "xyz"} {
		got := Snippet(text, q, 160)
		checkSnippet(t, text, q, got)
		if n := utf8.RuneCountInString(stripMarks(got)); n > 200 {
			t.Errorf("Snippet(article, %q) has %d runes: %q", q, n, got)
		}
		if q != "xyz" && !strings.Contains(got, "<mark>") {
			t.Errorf("Snippet(article, %q) has no mark: %q", q, got)
		}
	}
}

func stripMarks(s string) string {
	return strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
}

// checkSnippet verifies the invariants of a Snippet result.
func checkSnippet(t *testing.T, text, query, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("Snippet(%q, %q) not valid UTF-8: %q", text, query, got)
	}
	// No '<' other than the mark tags, marks balanced and not nested.
	open := false
	for i := 0; i < len(got); i++ {
		if got[i] != '<' {
			continue
		}
		switch {
		case strings.HasPrefix(got[i:], "<mark>") && !open:
			open = true
		case strings.HasPrefix(got[i:], "</mark>") && open:
			open = false
		default:
			t.Fatalf("Snippet(%q, %q) = %q: stray '<' at %d", text, query, got, i)
		}
	}
	if open {
		t.Fatalf("Snippet(%q, %q) = %q: unclosed mark", text, query, got)
	}
	if strings.Contains(got, ">") && strings.Count(got, ">") != 2*strings.Count(got, "<mark>") {
		t.Fatalf("Snippet(%q, %q) = %q: stray '>'", text, query, got)
	}
	// Each mark holds text whose folded form has a term at a word start
	// (usually at its start; "½" folds to "1 2" and is marked for "2").
	terms := Terms(query)
	rest := got
	for {
		i := strings.Index(rest, "<mark>")
		if i < 0 {
			break
		}
		j := strings.Index(rest, "</mark>")
		m := Fold(html.UnescapeString(rest[i+len("<mark>") : j]))
		ok := false
		for _, tm := range terms {
			if hasWordPrefix(m, tm) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("Snippet(%q, %q) = %q: mark %q matches no term of %q", text, query, got, m, terms)
		}
		rest = rest[j+len("</mark>"):]
	}
	// The plain excerpt is a piece of the (cleaned, collapsed) text.
	plain := html.UnescapeString(stripMarks(got))
	plain = strings.TrimPrefix(strings.TrimSuffix(plain, Ellipsis), Ellipsis)
	clean := strings.Join(strings.Fields(strings.ToValidUTF8(text, "\uFFFD")), " ")
	if !strings.Contains(clean, plain) {
		t.Fatalf("Snippet(%q, %q) = %q: excerpt %q is not part of the text", text, query, got, plain)
	}
	// A text with a hit gives a snippet with a mark.
	f := Fold(strings.ToValidUTF8(text, "\uFFFD"))
	hit := false
	for _, tm := range terms {
		if hasWordPrefix(f, tm) {
			hit = true
		}
	}
	if hit != strings.Contains(got, "<mark>") {
		t.Fatalf("Snippet(%q, %q) = %q: hit=%v but marks=%v", text, query, got, hit, !hit)
	}
}

func TestSnippetInvariants(t *testing.T) {
	texts := []string{
		"", " ", "<<<>>>", "a", "Hòa", norm.NFD.String("Hòa bình ỦY BAN"),
		"½ ½ ½", "ǅ dz ǆ", "東京 東京大学", "a\u0300\u0300\u0300\u0300 b", "\u0300\u0301 hòa",
		strings.Repeat("x", 500) + " hòa " + strings.Repeat("y", 500),
		strings.Repeat("hòa ", 200), "&amp; <script>alert(1)</script> hòa",
	}
	queries := []string{"", "hoa", "ho", "1 2", "dz", "東京", "x y", "a", "<script>", "binh uy"}
	for _, text := range texts {
		for _, q := range queries {
			for _, w := range []int{-1, 0, 1, 2, 5, 20, 160, 10000} {
				checkSnippet(t, text, q, Snippet(text, q, w))
			}
		}
	}
}
