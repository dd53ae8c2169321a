// Package search holds the pure text functions behind article search:
// Vietnamese folding (case and diacritics), query terms, the match
// predicate, URL slugs, highlighted snippets and HTML-to-text extraction.
//
// Folding is the contract between indexing and querying: an article body is
// stored folded (Fold(StripHTML(body))) and a query (ParseQuery) matches it as
// Query.MatchesFolded says. Any database-side search must agree with it.
package search

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTerms is the largest number of distinct terms Terms returns.
const MaxTerms = 16

// asciiFold maps an ASCII byte to its folded form: lower-case letters and
// digits map to themselves, upper-case letters to lower case and everything
// else (punctuation, symbols, space, control characters) to 0, meaning
// "word separator".
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			t[c] = byte(c)
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// Fold returns the search form of s: Unicode compatibility-decomposed
// (NFKD, so NFC and NFD input fold alike), every combining mark removed (all
// Vietnamese diacritics, so old and new tone placement — hoà/hòa, thuỷ/thủy —
// fold alike), đ/Đ turned into d, lower-cased, and every run of characters
// that are neither letters nor digits (punctuation, symbols, spaces, invalid
// UTF-8) replaced by a single space, with no leading or trailing space.
//
// Vietnamese input folds to ASCII; letters of other scripts are kept
// (lower-cased). Fold is idempotent: Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	// Fast path: pure ASCII, possibly already folded (no allocation then).
	folded := true
	prevSep := true // at start, a separator would be leading
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldBytes(s)
		}
		if m := asciiFold[c]; m != 0 && m == c {
			prevSep = false
		} else if c == ' ' && !prevSep {
			prevSep = true
		} else {
			folded = false
		}
	}
	if folded && !prevSep || s == "" {
		return s
	}
	return foldBytes(s)
}

// foldBufPool recycles the scratch buffers of foldBytes.
var foldBufPool = sync.Pool{New: func() any { return new([]byte) }}

// foldBytes is Fold's general path: one pass over s, appending to a pooled
// buffer, then one copy into the result string.
func foldBytes(s string) string {
	bp := foldBufPool.Get().(*[]byte)
	buf := appendFold((*bp)[:0], s)
	out := string(buf)
	if cap(buf) <= 64<<10 { // do not pin huge buffers
		*bp = buf[:0]
		foldBufPool.Put(bp)
	}
	return out
}

// appendFold appends Fold(s) to b (which must be empty or end in a word).
func appendFold(b []byte, s string) []byte {
	b0 := len(b)
	pending := false
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			m := asciiFold[c]
			if m == 0 {
				pending = true
				continue
			}
			if pending {
				if len(b) > b0 {
					b = append(b, ' ')
				}
				pending = false
			}
			b = append(b, m)
			continue
		}
		frag, r, n := foldRuneAt(s, i)
		i += n
		if r > 0 {
			if pending {
				if len(b) > b0 {
					b = append(b, ' ')
				}
				pending = false
			}
			b = utf8.AppendRune(b, r)
			continue
		}
		for j := 0; j < len(frag); j++ {
			if frag[j] == ' ' {
				pending = true
				continue
			}
			if pending {
				if len(b) > b0 {
					b = append(b, ' ')
				}
				pending = false
			}
			b = append(b, frag[j])
		}
	}
	return b
}

// Rune classes of an NFKD-normal rune (one that has no decomposition).
const (
	classSep  = iota // word separator: punctuation, symbol, space, control
	classDrop        // removed without a trace: combining marks, joiners
	classWord        // part of a word: letter, digit, number, spacing mark
)

// classify returns the class of a rune that is already NFKD-normal.
func classify(r rune) int {
	switch r {
	case 0x00AD, // soft hyphen
		0x034F,         // combining grapheme joiner
		0x200C, 0x200D, // zero-width non-joiner, joiner
		0x2060, // word joiner
		0xFEFF: // zero-width no-break space (BOM)
		return classDrop
	}
	switch {
	case r < utf8.RuneSelf:
		if asciiFold[r] != 0 {
			return classWord
		}
		return classSep
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return classDrop
	case unicode.Is(unicode.Mc, r):
		// A few spacing marks are canonical non-starters (ccc != 0) and may
		// be reordered by normalisation; dropping them keeps NFC and NFD
		// folding identical.
		if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
			return classDrop
		}
		return classWord
	case unicode.IsLetter(r), unicode.IsNumber(r):
		return classWord
	}
	return classSep
}

// foldOne returns the folded fragment of a single rune, computed the slow
// way: its full compatibility decomposition with every rune classified.
// Word runes are lower-cased, separators become one ' ', dropped runes
// vanish. Consecutive separators are collapsed.
func foldOne(r rune) string {
	var src []rune
	switch {
	case r == 'đ' || r == 'Đ':
		return "d"
	case isHangulSyllable(r):
		src = decomposeHangul(r)
	default:
		if d := norm.NFKD.PropertiesString(string(r)).Decomposition(); d != nil {
			src = []rune(string(d))
		} else {
			src = []rune{r}
		}
	}
	var b []byte
	for _, c := range src {
		switch classify(c) {
		case classDrop:
		case classSep:
			if len(b) == 0 || b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
		default:
			b = utf8.AppendRune(b, unicode.ToLower(c))
		}
	}
	return string(b)
}

// Hangul syllable decomposition constants (Unicode §3.12).
const (
	hangulBase  = 0xAC00
	hangulEnd   = 0xD7A3
	hangulLBase = 0x1100
	hangulVBase = 0x1161
	hangulTBase = 0x11A7
	hangulTCnt  = 28
	hangulNCnt  = 21 * 28
)

func isHangulSyllable(r rune) bool { return hangulBase <= r && r <= hangulEnd }

// decomposeHangul returns the conjoining jamo of a Hangul syllable (the
// norm package's Properties does not report these decompositions).
func decomposeHangul(r rune) []rune {
	s := r - hangulBase
	out := []rune{hangulLBase + s/hangulNCnt, hangulVBase + (s%hangulNCnt)/hangulTCnt}
	if t := s % hangulTCnt; t != 0 {
		out = append(out, hangulTBase+t)
	}
	return out
}

// foldTabSize is the number of runes whose folded fragments are
// precomputed: Latin, Greek, Cyrillic, … up to and including General
// Punctuation, super/subscripts, currency and letter-like symbols.
const foldTabSize = 0x2200

// foldTab packs, per rune below foldTabSize, the offset (high 24 bits) and
// length (low 8 bits) of its folded fragment in foldData.
var (
	foldTab  [foldTabSize]uint32
	foldData string
)

func init() {
	var data []byte
	index := map[string]uint32{}
	for r := rune(0); r < foldTabSize; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		f := foldOne(r)
		off, ok := index[f]
		if !ok {
			off = uint32(len(data))
			data = append(data, f...)
			index[f] = off
		}
		foldTab[r] = off<<8 | uint32(len(f))
	}
	foldData = string(data)
}

// foldRuneAt folds the (non-ASCII) rune starting at s[i]. It returns either
// a single lower-cased word rune r > 0, or r == 0 and a fragment (possibly
// empty, meaning the rune is dropped; ' ' in it marks a word separator).
// n is the number of bytes consumed.
func foldRuneAt(s string, i int) (frag string, r rune, n int) {
	r, n = utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n <= 1 {
		return " ", 0, 1 // invalid UTF-8 separates words
	}
	if r < foldTabSize {
		e := foldTab[r]
		off := e >> 8
		return foldData[off : off+e&0xff], 0, n
	}
	if isHangulSyllable(r) {
		return foldOne(r), 0, n
	}
	p := norm.NFKD.PropertiesString(s[i : i+n])
	if p.Decomposition() != nil {
		return foldOne(r), 0, n
	}
	switch classify(r) {
	case classDrop:
		return "", 0, n
	case classSep:
		return " ", 0, n
	}
	return "", unicode.ToLower(r), n
}

// Terms returns the distinct terms of a search query: the words of
// Fold(q), in their original order, without duplicates, at most MaxTerms.
func Terms(q string) []string {
	f := Fold(q)
	if f == "" {
		return nil
	}
	terms := make([]string, 0, min(strings.Count(f, " ")+1, MaxTerms))
outer:
	for w := range strings.SplitSeq(f, " ") {
		if w == "" {
			continue
		}
		for _, t := range terms {
			if t == w {
				continue outer
			}
		}
		terms = append(terms, w)
		if len(terms) == MaxTerms {
			break
		}
	}
	return terms
}

// Matches reports whether text is a hit for query (ParseQuery with the shipped dictionary,
// ShippedDictionary): every word of the query is a word of Fold(text), except the last, which
// may also be the start of a word, so a query matches while it is being typed ("nguoi ngh"
// finds "người nghèo"); words in quotes are adjacent and in order; an abbreviation and its long
// form find each other. A query without words matches nothing.
//
// Whole words for all but the last term keep an indexed search precise and
// fast: a one-letter prefix in the middle of a query would otherwise match
// most of the corpus. The SQL equivalent over a column folded = Fold(text)
// is (' ' || folded || ' ') LIKE '% ' || term || ' %' for each term but the
// last, and (' ' || folded) LIKE '% ' || term || '%' for the last (with LIKE
// wildcards escaped), all ANDed.
func Matches(query, text string) bool {
	return ParseQuery(query, ShippedDictionary()).MatchesFolded(Fold(text))
}

// hasWord reports whether term occurs in folded as a whole word.
func hasWord(folded, term string) bool {
	return term != "" && strings.Contains(" "+folded+" ", " "+term+" ")
}

// hasWordPrefix reports whether term occurs in folded at a word start.
func hasWordPrefix(folded, term string) bool {
	if term == "" {
		return false
	}
	for i := 0; i+len(term) <= len(folded); {
		j := strings.Index(folded[i:], term)
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || folded[j-1] == ' ' {
			return true
		}
		// Skip to the next word.
		k := strings.IndexByte(folded[j:], ' ')
		if k < 0 {
			return false
		}
		i = j + k + 1
	}
	return false
}

// MaxSlugLen is the longest slug of any item, chosen by an editor or made by Slugify: the slug
// columns hold 100 bytes (all ASCII).
const MaxSlugLen = 100

// slugSuffixRoom is what Slugify leaves free under MaxSlugLen for the -2, -3, … that makes a
// made slug unique.
const slugSuffixRoom = 20

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// IsSlug reports whether s is a slug: lower-case ASCII letters and digits in words joined by
// single dashes, at most MaxSlugLen bytes. It is the one rule for every item's slug.
func IsSlug(s string) bool { return len(s) <= MaxSlugLen && slugPattern.MatchString(s) }

// slugTranslit spells out a few Latin letters that have no decomposition,
// so foreign names in titles keep a readable slug.
var slugTranslit = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'ð': "d", 'þ': "th", 'ı': "i",
}

// Slugify returns a URL slug for a (Vietnamese) title: folded, made only of
// [a-z0-9] words joined by single '-', without leading or trailing dashes,
// cut at a word boundary to at most MaxSlugLen-slugSuffixRoom bytes. "Mặt trận địa
// phương" gives "mat-tran-dia-phuong". It returns "" when s has no Latin
// letters or digits; callers must supply a fallback.
func Slugify(s string) string {
	f := Fold(s)
	b := make([]byte, 0, len(f))
	dash := false
	for _, r := range f {
		var w string
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			w = string(rune(r))
		default:
			w = slugTranslit[r]
		}
		if w == "" {
			dash = true
			continue
		}
		if dash && len(b) > 0 {
			b = append(b, '-')
		}
		dash = false
		b = append(b, w...)
	}
	if limit := MaxSlugLen - slugSuffixRoom; len(b) > limit {
		if b[limit] == '-' {
			b = b[:limit]
		} else if k := strings.LastIndexByte(string(b[:limit]), '-'); k > 0 {
			b = b[:k]
		} else {
			b = b[:limit] // a single huge word: hard cut
		}
	}
	return strings.TrimRight(string(b), "-")
}
