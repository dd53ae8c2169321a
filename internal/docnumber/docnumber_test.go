package docnumber

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

const taxonomyPath = "../seed/content/taxonomy.json" // the seed's embedded copy: one copy in the repository

type taxonomy struct {
	DocumentTypes []struct {
		Name string `json:"name"`
		Code string `json:"code"`
	} `json:"document_types"`
	DocumentNumberExamples []struct {
		Number     string `json:"number"`
		Sequence   int    `json:"sequence"`
		Year       *int   `json:"year"`
		TypeCode   string `json:"type_code"`
		IssuerCode string `json:"issuer_code"`
	} `json:"document_number_examples"`
}

func loadTaxonomy(t *testing.T) taxonomy {
	t.Helper()
	b, err := os.ReadFile(taxonomyPath)
	if err != nil {
		t.Fatalf("fixture is required: %v", err)
	}
	var tx taxonomy
	if err := json.Unmarshal(b, &tx); err != nil {
		t.Fatalf("%s: %v", taxonomyPath, err)
	}
	if len(tx.DocumentNumberExamples) == 0 || len(tx.DocumentTypes) == 0 {
		t.Fatalf("%s: no document_number_examples or document_types", taxonomyPath)
	}
	return tx
}

func TestParseTaxonomyExamples(t *testing.T) {
	for _, ex := range loadTaxonomy(t).DocumentNumberExamples {
		t.Run(ex.Number, func(t *testing.T) {
			want := Parts{Sequence: ex.Sequence, TypeCode: ex.TypeCode, IssuerCode: ex.IssuerCode}
			if ex.Year != nil {
				want.Year = *ex.Year
			}
			got, err := Parse(ex.Number)
			if err != nil {
				t.Fatalf("Parse(%q): %v", ex.Number, err)
			}
			if got != want {
				t.Errorf("Parse(%q) = %+v, want %+v", ex.Number, got, want)
			}
			if c := got.Canonical(); c != ex.Number {
				t.Errorf("Canonical() = %q, want %q", c, ex.Number)
			}
		})
	}
}

func TestTypeCodesMatchTaxonomy(t *testing.T) {
	tx := loadTaxonomy(t)
	if len(TypeCodes) != len(tx.DocumentTypes) {
		t.Errorf("TypeCodes has %d entries, taxonomy.json has %d", len(TypeCodes), len(tx.DocumentTypes))
	}
	for _, dt := range tx.DocumentTypes {
		if got := TypeCodes[dt.Code]; got != dt.Name {
			t.Errorf("TypeCodes[%q] = %q, want %q", dt.Code, got, dt.Name)
		}
		if got := TypeNameForCode(dt.Code); got != dt.Name {
			t.Errorf("TypeNameForCode(%q) = %q, want %q", dt.Code, got, dt.Name)
		}
		if dt.Code == "" {
			continue
		}
		// Every known code must also be recognised inside a number.
		p, err := Parse("1/" + strings.ToLower(dt.Code) + "-MTTW")
		if err != nil || p.TypeCode != dt.Code {
			t.Errorf("Parse with code %q: got %+v, %v", dt.Code, p, err)
		}
	}
}

func TestTypeNameForCode(t *testing.T) {
	tests := map[string]string{
		"NQ":   "Nghị quyết",
		"qđ":   "Quyết định",
		"QD":   "Quyết định",
		"qd":   "Quyết định",
		"ctr":  "Chương trình",
		"CT":   "Chỉ thị",
		"TTR":  "Tờ trình",
		"":     "Công văn",
		" HD":  "Hướng dẫn",
		"XX":   "",
		"MTTW": "",
	}
	for code, want := range tests {
		if got := TypeNameForCode(code); got != want {
			t.Errorf("TypeNameForCode(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		want      Parts
		canonical string
	}{
		{"1/NQ-MTTW", Parts{1, 0, "NQ", "MTTW"}, "01/NQ-MTTW"},
		{"  12 / NQ - MTTW  ", Parts{12, 0, "NQ", "MTTW"}, "12/NQ-MTTW"},
		{"05 / 2024 / QĐ - MTTW", Parts{5, 2024, "QĐ", "MTTW"}, "05/2024/QĐ-MTTW"},
		{"05/2024/QD-MTTW", Parts{5, 2024, "QĐ", "MTTW"}, "05/2024/QĐ-MTTW"},
		{"05/2024/qđ-MTTW", Parts{5, 2024, "QĐ", "MTTW"}, "05/2024/QĐ-MTTW"},
		{"7/ctr-MTTW-BTT", Parts{7, 0, "CTr", "MTTW-BTT"}, "07/CTr-MTTW-BTT"},
		{"7/CTR-MTTW", Parts{7, 0, "CTr", "MTTW"}, "07/CTr-MTTW"},
		{"08/TTr-MTTW", Parts{8, 0, "TTr", "MTTW"}, "08/TTr-MTTW"},
		{"15/CT-MTTW", Parts{15, 0, "CT", "MTTW"}, "15/CT-MTTW"},
		{"0012/BC-MTTW", Parts{12, 0, "BC", "MTTW"}, "12/BC-MTTW"},
		{"123/MTTW-ĐCT", Parts{123, 0, "", "MTTW-ĐCT"}, "123/MTTW-ĐCT"},
		{"9/TB-MTTW-ĐCT", Parts{9, 0, "TB", "MTTW-ĐCT"}, "09/TB-MTTW-ĐCT"},
		{"1945/1945/QC-MTTW", Parts{1945, 1945, "QC", "MTTW"}, "1945/1945/QC-MTTW"},
		{"3/2100/KH-MTTQ-BTT", Parts{3, 2100, "KH", "MTTQ-BTT"}, "03/2100/KH-MTTQ-BTT"},
		{"2/QĐ-TTg", Parts{2, 0, "QĐ", "TTg"}, "02/QĐ-TTg"},
		{"42/NQ-NQ", Parts{42, 0, "NQ", "NQ"}, "42/NQ-NQ"},
		{"5/UBND-BCĐ389", Parts{5, 0, "", "UBND-BCĐ389"}, "05/UBND-BCĐ389"},
		// Letters with diacritics may arrive decomposed (NFD, e.g. from a
		// macOS clipboard) or half-composed; both must equal the NFC form.
		{"5/MTTQ-H\u00d4\u0323I", Parts{5, 0, "", "MTTQ-HỘI"}, "05/MTTQ-HỘI"},
		{"5/MTTQ-HO\u0302\u0323I", Parts{5, 0, "", "MTTQ-HỘI"}, "05/MTTQ-HỘI"},
		{"5/NQ\u2013MTTW", Parts{5, 0, "NQ", "MTTW"}, "05/NQ-MTTW"},
		{"\u00a012/NQ-MTTW\u00a0", Parts{12, 0, "NQ", "MTTW"}, "12/NQ-MTTW"},
		{"3456/mttw-btt", Parts{3456, 0, "", "MTTW-BTT"}, "3456/MTTW-BTT"},
		{"77 / 2024 / qd-mttw", Parts{77, 2024, "QĐ", "MTTW"}, "77/2024/QĐ-MTTW"},
		{"5/ubnd-bcđ389", Parts{5, 0, "", "UBND-BCĐ389"}, "05/UBND-BCĐ389"},
		{"2/qđ-ttg", Parts{2, 0, "QĐ", "TTg"}, "02/QĐ-TTg"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if c := got.Canonical(); c != tt.canonical {
				t.Errorf("Canonical() = %q, want %q", c, tt.canonical)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in      string
		mention string // part of the message that says what is wrong
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"NQ-MTTW", "no '/'"},
		{"12", "no '/'"},
		{"/NQ-MTTW", "sequence"},
		{"abc/NQ-MTTW", "sequence"},
		{"0/NQ-MTTW", "sequence"},
		{"000/NQ-MTTW", "sequence"},
		{"-3/NQ-MTTW", "sequence"},
		{"+3/NQ-MTTW", "sequence"},
		{"1 2/NQ-MTTW", "sequence"},
		{"99999999999999999999999/NQ-MTTW", "sequence"},
		{"05/1944/QĐ-MTTW", "year"},
		{"05/2101/QĐ-MTTW", "year"},
		{"05/24/QĐ-MTTW", "year"},
		{"05/năm/QĐ-MTTW", "year"},
		{"05//QĐ-MTTW", "year"},
		{"12/", "issuer"},
		{"12/  ", "issuer"},
		{"12/NQ", "issuer"},
		{"12/NQ-", "segment"},
		{"12/-MTTW", "segment"},
		{"12/NQ--MTTW", "segment"},
		{"12/2024", "not a code"},
		{"05/2024/", "issuer"},
		{"12/NQ-MTTW BTT", "not a code"},
		{"12/NQ-MTTW.", "not a code"},
		{"1/2/2024/NQ-MTTW", "too many"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.in, p)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) error %v does not wrap ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Parse(%q) error %q should mention %q", tt.in, err, tt.mention)
			}
			if p != (Parts{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want zero Parts", tt.in, p)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"12/NQ-MTTW", "05/2024/QĐ-MTTW", "101/HD-MTTW-BTT", "3456/MTTW-BTT", "27/KH-MTTQ-BTT",
		" 05 / 2024 / qd - mttw ", "7/ctr-MTTW", "5/MTTQ-HO\u0302\u0323I", "5/NQ\u2013MTTW",
		"", "/", "0/NQ", "12/2024", "1/2/3/4", "05/1944/QĐ-MTTW", "12/NQ--MTTW",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalid", in, err)
			}
			return
		}
		if p.Sequence < 1 || (p.Year != 0 && (p.Year < MinYear || p.Year > MaxYear)) || p.IssuerCode == "" {
			t.Fatalf("Parse(%q) = %+v: out of range", in, p)
		}
		if _, known := TypeCodes[p.TypeCode]; !known {
			t.Fatalf("Parse(%q) = %+v: unknown type code", in, p)
		}
		c := p.Canonical()
		again, err := Parse(c)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its Canonical %q fails: %v", in, p, c, err)
		}
		if again != p {
			t.Fatalf("Parse(%q) = %+v, but Parse(Canonical %q) = %+v", in, p, c, again)
		}
	})
}
