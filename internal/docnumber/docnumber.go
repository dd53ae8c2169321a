// Package docnumber parses the number ("số ký hiệu") of a Vietnamese official
// document, such as 05/2024/QĐ-MTTW, into its parts, so documents can be
// filtered by type, issuer and year and a number typed in any spacing or
// case finds the same document.
package docnumber

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalid is wrapped by every error Parse returns, so callers can map a
// bad number to a validation error with errors.Is.
var ErrInvalid = errors.New("invalid document number")

// Parts is a parsed document number: Sequence[/Year]/[TypeCode-]IssuerCode.
type Parts struct {
	// Sequence is the running number the issuer gave the document; always >= 1.
	Sequence int
	// Year is the year embedded in the number, or 0 when the number has
	// none (the usual case). Zero rather than a pointer keeps Parts
	// comparable with ==, and 0 is never a valid year here.
	Year int
	// TypeCode is the canonical type code (a key of TypeCodes), or "" for a
	// công văn, whose number carries no type code.
	TypeCode string
	// IssuerCode is the issuing body's code, possibly several dash-joined
	// segments such as MTTW-BTT, in upper case: codes are written so, and a
	// number typed in lower case must read as the same number. The few
	// segments that are mixed-case by convention (TTg, QĐ-TTg) keep it.
	IssuerCode string
}

// MinYear and MaxYear bound the year a number may carry: the first
// documents of the Democratic Republic of Vietnam date from 1945, and the
// upper bound only rejects obvious typos.
const (
	MinYear = 1945
	MaxYear = 2100
)

// TypeCodes maps each document type code that may appear in a number to the
// type's Vietnamese name. The empty code is the công văn, which has none.
var TypeCodes = map[string]string{
	"NQ":  "Nghị quyết",
	"QĐ":  "Quyết định",
	"CT":  "Chỉ thị",
	"HD":  "Hướng dẫn",
	"KH":  "Kế hoạch",
	"TB":  "Thông báo",
	"":    "Công văn",
	"BC":  "Báo cáo",
	"QC":  "Quy chế",
	"CTr": "Chương trình",
	"TTr": "Tờ trình",
}

// canonicalTypeCodes maps the upper-cased spelling of a type code to its
// canonical form. It is kept apart from TypeCodes so that parsing cannot be
// changed by a caller writing to that exported map. QD is accepted because
// keyboards and older systems often lack Đ.
var canonicalTypeCodes = map[string]string{
	"NQ":  "NQ",
	"QĐ":  "QĐ",
	"QD":  "QĐ",
	"CT":  "CT",
	"HD":  "HD",
	"KH":  "KH",
	"TB":  "TB",
	"BC":  "BC",
	"QC":  "QC",
	"CTR": "CTr",
	"TTR": "TTr",
}

// mixedCaseIssuerCodes maps the upper-cased spelling of an issuer code
// segment that is mixed-case by convention to that form.
var mixedCaseIssuerCodes = map[string]string{
	"TTG": "TTg", // Thủ tướng Chính phủ
}

// canonicalIssuerSegment is seg in upper case, or in its conventional form.
func canonicalIssuerSegment(seg string) string {
	upper := strings.ToUpper(seg)
	if conventional, ok := mixedCaseIssuerCodes[upper]; ok {
		return conventional
	}
	return upper
}

// TypeNameForCode returns the Vietnamese name of the document type with the
// given code, matched as Parse matches it (any case, QD for QĐ); "" yields
// "Công văn". An unknown code yields "".
func TypeNameForCode(code string) string {
	code = strings.TrimSpace(norm.NFC.String(code))
	if code == "" {
		return TypeCodes[""]
	}
	canonical, ok := canonicalTypeCodes[strings.ToUpper(code)]
	if !ok {
		return ""
	}
	return TypeCodes[canonical]
}

// Parse splits a document number into its parts. It accepts
// "12/NQ-MTTW", "05/2024/QĐ-MTTW" and "3456/MTTW-BTT" (no type code: a công
// văn). Surrounding space and space around '/' and '-' are ignored, the
// text is normalised to NFC, and dash look-alikes (en dash, minus sign)
// pasted from word processors count as '-'. The first dash segment is taken
// as the type code only if it is a known one; otherwise the whole remainder
// is the issuer code. Every error wraps ErrInvalid.
func Parse(number string) (Parts, error) {
	s := strings.Map(normaliseDash, norm.NFC.String(strings.TrimSpace(number)))
	if s == "" {
		return Parts{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	fields := strings.Split(s, "/")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}

	var p Parts
	var rest string
	switch len(fields) {
	case 1:
		return Parts{}, fmt.Errorf("%w %q: no '/' between sequence and issuer", ErrInvalid, number)
	case 2:
		rest = fields[1]
	case 3:
		year, ok := parseDigits(fields[1])
		if !ok || year < MinYear || year > MaxYear {
			return Parts{}, fmt.Errorf("%w %q: year %q is not between %d and %d", ErrInvalid, number, fields[1], MinYear, MaxYear)
		}
		p.Year = year
		rest = fields[2]
	default:
		return Parts{}, fmt.Errorf("%w %q: too many '/'", ErrInvalid, number)
	}

	seq, ok := parseDigits(fields[0])
	if !ok || seq == 0 {
		return Parts{}, fmt.Errorf("%w %q: sequence %q is not a positive number", ErrInvalid, number, fields[0])
	}
	p.Sequence = seq

	if rest == "" {
		return Parts{}, fmt.Errorf("%w %q: no issuer code", ErrInvalid, number)
	}
	segments := strings.Split(rest, "-")
	for i, seg := range segments {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			return Parts{}, fmt.Errorf("%w %q: empty segment in %q", ErrInvalid, number, rest)
		}
		if !isCode(seg) {
			return Parts{}, fmt.Errorf("%w %q: %q is not a code of letters and digits with at least one letter", ErrInvalid, number, seg)
		}
		segments[i] = seg
	}
	if canonical, ok := canonicalTypeCodes[strings.ToUpper(segments[0])]; ok {
		p.TypeCode = canonical
		segments = segments[1:]
	}
	if len(segments) == 0 {
		return Parts{}, fmt.Errorf("%w %q: no issuer code after type %s", ErrInvalid, number, p.TypeCode)
	}
	for i, seg := range segments {
		segments[i] = canonicalIssuerSegment(seg)
	}
	p.IssuerCode = strings.Join(segments, "-")
	return p, nil
}

// Canonical formats p the way Parse's inputs are normally written, without
// spaces, codes in their canonical case and with the sequence padded to two digits ("05/2024/QĐ-MTTW"), as
// official documents number them. Parse(p.Canonical()) returns p for any p
// that Parse produced.
func (p Parts) Canonical() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%02d/", p.Sequence)
	if p.Year != 0 {
		fmt.Fprintf(&b, "%d/", p.Year)
	}
	if p.TypeCode != "" {
		b.WriteString(p.TypeCode)
		b.WriteByte('-')
	}
	b.WriteString(p.IssuerCode)
	return b.String()
}

// parseDigits accepts ASCII digits only: strconv.Atoi alone would also take
// a sign, and a sequence or year never has one.
func parseDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// isCode reports whether s is a single code segment: letters and digits
// with at least one letter (BTT, BCĐ389). Keeping '/', '-' and spaces out of
// segments is what lets Canonical parse back to the same Parts; requiring a
// letter rejects a misplaced year such as "12/2024".
func isCode(s string) bool {
	hasLetter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			hasLetter = true
		case unicode.IsDigit(r):
		default:
			return false
		}
	}
	return hasLetter
}

func normaliseDash(r rune) rune {
	switch r {
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
		return '-'
	}
	return r
}
