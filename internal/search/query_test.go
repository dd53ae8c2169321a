package search

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestParseQuery(t *testing.T) {
	dict := NewAbbreviations([]Abbreviation{
		{"MTTQ", "Mặt trận Tổ quốc"}, {"UBND", "Ủy ban nhân dân"}, {"TP.HCM", "Thành phố Hồ Chí Minh"},
		{"HCM", "Thành phố Hồ Chí Minh"}, {"TP", "thành phố"}, {"UBMTTQ", "Ủy ban Mặt trận Tổ quốc"},
	})
	tests := []struct{ in, want string }{
		{"bao ve an ninh", "bao AND ve AND an AND ninh*"},
		{"an ninh an", "an AND ninh*"}, // repeated words count once, as Terms has it
		{`"bao ve an ninh"`, `"bao ve an ninh"`},
		{`“bảo vệ an ninh”`, `"bao ve an ninh"`},
		{`„bao ve“ an`, `"bao ve" AND an*`},
		{`"an ninh" to quoc`, `"an ninh" AND to AND quoc*`},
		{`to quoc "an ninh"`, `to AND quoc AND "an ninh"`}, // a closed quote at the end: no start
		{`to quoc "an ninh" `, `to AND quoc AND "an ninh"`},
		{`"bao ve an`, `"bao ve an"*`}, // still typing the phrase
		{`"ninh"`, `ninh`},
		{`"" an`, `an*`},
		{`an ""`, `an`},
		{"mttq", `(mttq* OR "mat tran to quoc")`},
		{"MTTQ tỉnh", `(mttq OR "mat tran to quoc") AND tinh*`},
		{"Mặt trận Tổ quốc", `(mat tran to quoc* OR mttq)`},
		{"tp.hcm", `(tp hcm* OR "thanh pho ho chi minh" OR tphcm OR hcm OR "tp ho chi minh")`},
		{"tphcm", `(tphcm* OR "thanh pho ho chi minh" OR "tp hcm" OR hcm OR "tp ho chi minh")`},
		{"thanh pho hue", `(thanh pho OR tp) AND hue*`},
		{"ubmttq", `(ubmttq* OR "uy ban mat tran to quoc" OR "uy ban mttq")`},
		{"uy ban mttq", `(uy ban mttq* OR "uy ban mat tran to quoc" OR ubmttq)`},
		{"ubnd xa", `(ubnd OR "uy ban nhan dan") AND xa*`},
		{`"ubnd" xa`, `ubnd AND xa*`}, // quoted: as written
		{"  ,  ", ""},
	}
	for _, tt := range tests {
		if got := ParseQuery(tt.in, dict).String(); got != tt.want {
			t.Errorf("ParseQuery(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("a b c d e ", 10)
	if n := len(ParseQuery(long+`"x y z"`, nil).Groups); n != 5 {
		t.Errorf("%d groups from a long query, want 5 distinct words", n)
	}
	words := 0
	for _, g := range ParseQuery(`"`+strings.Repeat("lo ", 40)+`"`, nil).Groups {
		words += len(g[0].Words)
	}
	if words != MaxTerms {
		t.Errorf("a long phrase kept %d words, want %d", words, MaxTerms)
	}
}

func TestMatchesPhrasesAndAbbreviations(t *testing.T) {
	tests := []struct {
		query, text string
		want        bool
	}{
		{`"bao ve an ninh"`, "phong trào toàn dân bảo vệ an ninh Tổ quốc", true},
		{`"bao ve an ninh"`, "bảo vệ môi trường, giữ gìn an ninh", false},
		{`bao ve an ninh`, "bảo vệ môi trường, giữ gìn an ninh", true},
		{`"an ninh bao ve"`, "bảo vệ an ninh", false},
		{`"an ninh" to quoc`, "Tổ quốc bình yên, an ninh vững", true},
		{`"an ninh" to quoc`, "an toàn, ninh thuận, Tổ quốc", false},
		{`“bảo vệ an”`, "bảo vệ anh ninh", false},
		{`"bảo vệ an`, "bảo vệ an ninh", true},
		{"mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Gia Lai", true},
		{"Mặt trận Tổ quốc", "Ủy ban MTTQ tỉnh Gia Lai", true},
		{"mat tran to quoc", "trận đấu của đội tuyển quốc gia, mặt sân tổ chức", true}, // words anywhere, as ever
		{"mttq", "trận đấu của đội tuyển quốc gia, mặt sân tổ chức", false},            // a long form is a phrase
		{"ubnd", "Chủ tịch Ủy ban nhân dân tỉnh", true},
		{"ubnd tinh", "Chủ tịch UBND tỉnh", true},
		{"tp.hcm", "Thành phố Hồ Chí Minh", true},
		{"TP.HCM", "tại TP. Hồ Chí Minh", true},
		{"tphcm", "tại TP.HCM", true},
		{"hcm", "Thành phố Hồ Chí Minh", true},
		{"thanh pho ho chi minh", "MTTQ TP.HCM", true},
		{"tp.hcm", "Chủ tịch Hồ Chí Minh", false},
		{"hdnd", "Hội đồng nhân dân huyện", true},
		{"kt-xh", "phát triển kinh tế - xã hội", true},
		{"ktxh", "phát triển KT-XH", true},
		{"giao duc va dao tao", "Sở GD&ĐT", true},
		{`"ubnd"`, "Ủy ban nhân dân", false},
	}
	for _, tt := range tests {
		for _, f := range []func(string) string{norm.NFC.String, norm.NFD.String} {
			if got := Matches(f(tt.query), f(tt.text)); got != tt.want {
				t.Errorf("Matches(%q, %q) = %v, want %v (%s)", tt.query, tt.text, got, tt.want, ParseQuery(tt.query, ShippedDictionary()))
			}
		}
	}
	// Words may be in different fields, a phrase must be in one.
	q := ParseQuery(`"ban tin" phong`, nil)
	if !q.MatchesFolded("ban tin", "phong trao") || ParseQuery(`"tin phong"`, nil).MatchesFolded("ban tin", "phong trao") {
		t.Error("fields: a phrase across two fields, or words across them")
	}
}

// Typed is what the folded title of an item named exactly as the query is.
func TestQueryTyped(t *testing.T) {
	dict := NewAbbreviations([]Abbreviation{{"MTTQ", "Mặt trận Tổ quốc"}, {"TP.HCM", "Thành phố Hồ Chí Minh"}})
	for in, want := range map[string]string{
		"Bảo vệ  AN NINH":                "bao ve an ninh",
		`"Bảo vệ an ninh" Tổ quốc`:       "bao ve an ninh to quoc",
		"MTTQ TP.HCM":                    "mttq tp hcm",
		"Mặt trận Tổ quốc":               "mat tran to quoc",
		"an ninh an":                     "an ninh",
		`Vĩnh Long: "Quỹ Vì người nghèo`: "vinh long quy vi nguoi ngheo",
	} {
		if got := ParseQuery(in, dict).Typed(); got != want {
			t.Errorf("ParseQuery(%q).Typed() = %q, want %q", in, got, want)
		}
		if title := Fold(in); title == want && !ParseQuery(in, dict).MatchesFolded(title) {
			t.Errorf("%q does not match a title that is exactly it", in)
		}
	}
}

func TestShippedAbbreviations(t *testing.T) {
	list := ShippedAbbreviations()
	seen := map[string]bool{}
	for _, a := range list {
		key := AbbreviationKey(a.Short) + "\t" + Fold(a.Long)
		if seen[key] {
			t.Errorf("%s twice", a.Short)
		}
		seen[key] = true
	}
	for _, short := range []string{"MTTQ", "UBND", "HĐND", "TP.HCM", "HCM", "TP", "BCH", "BTV", "BCĐ", "UBMTTQ",
		"ANTQ", "CAND", "QĐND", "THPT", "ĐBQH", "BHXH", "BHYT", "KT-XH", "CCHC"} {
		found := false
		for _, a := range list {
			found = found || a.Short == short
		}
		if !found {
			t.Errorf("%s is not in abbreviations.tsv", short)
		}
	}
	if len(list) < 40 {
		t.Errorf("only %d abbreviations", len(list))
	}
	if ShippedDictionary().Len() == 0 {
		t.Error("empty dictionary")
	}
}

func TestAbbreviationCheck(t *testing.T) {
	for _, tt := range []struct {
		a  Abbreviation
		ok bool
	}{
		{Abbreviation{"TP.HCM", "Thành phố Hồ Chí Minh"}, true},
		{Abbreviation{"KT-XH", "kinh tế - xã hội"}, true},
		{Abbreviation{"TP HCM", "Thành phố Hồ Chí Minh"}, false},
		{Abbreviation{"", "Thành phố"}, false},
		{Abbreviation{"...", "Thành phố"}, false},
		{Abbreviation{"UBND", "Ủy"}, false},
		{Abbreviation{"UBND", ""}, false},
		{Abbreviation{strings.Repeat("A", 21), "Ủy ban"}, false},
		{Abbreviation{"UB", strings.Repeat("Ủy ban ", 7)}, false},
	} {
		if got := tt.a.Check() == ""; got != tt.ok {
			t.Errorf("%+v: ok = %v, want %v (%s)", tt.a, got, tt.ok, tt.a.Check())
		}
	}
	if _, err := ParseAbbreviations("UBND Ủy ban nhân dân\n"); err == nil {
		t.Error("a line without a tab was read")
	}
}

func TestSnippetMarksPhrasesAndLongForms(t *testing.T) {
	text := "Chủ tịch Ủy ban nhân dân tỉnh bảo vệ môi trường và bảo vệ an ninh"
	got := ParseQuery("ubnd", ShippedDictionary()).Snippet(text, 0)
	if !strings.Contains(got, "<mark>Ủy ban nhân dân</mark>") {
		t.Errorf("long form not marked: %s", got)
	}
	got = Snippet(text, `"bảo vệ an ninh"`, 0)
	if strings.Count(got, "<mark>") != 1 || !strings.Contains(got, "<mark>bảo vệ an ninh</mark>") {
		t.Errorf("phrase: %s", got)
	}
}
