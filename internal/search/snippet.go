package search

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultSnippetWidth is the excerpt width, in runes, Snippet uses when
// given a width <= 0.
const DefaultSnippetWidth = 160

// maxSnippetText bounds the text Snippet looks at, so offsets fit in int32.
const maxSnippetText = 1 << 30

// Ellipsis marks the ends of a Snippet excerpt where the text was cut.
const Ellipsis = "…"

// foldMap is a folded copy of a text (identical to Fold(text)) with, for
// each folded byte, the byte offset in text of the rune that produced it.
type foldMap struct {
	folded []byte
	start  []int32
}

// buildFoldMap folds text exactly like Fold, recording offsets.
func buildFoldMap(text string) foldMap {
	m := foldMap{
		folded: make([]byte, 0, len(text)),
		start:  make([]int32, 0, len(text)),
	}
	pending := false
	// sep writes a pending separator before a word starting at offset at.
	sep := func(at int) {
		if pending && len(m.folded) > 0 {
			m.folded = append(m.folded, ' ')
			m.start = append(m.start, int32(at))
		}
		pending = false
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if f := asciiFold[c]; f == 0 {
				pending = true
			} else {
				sep(i)
				m.folded = append(m.folded, f)
				m.start = append(m.start, int32(i))
			}
			i++
			continue
		}
		frag, r, n := foldRuneAt(text, i)
		if r > 0 {
			sep(i)
			m.folded = utf8.AppendRune(m.folded, r)
		} else {
			for j := 0; j < len(frag); j++ {
				if frag[j] == ' ' {
					pending = true
					continue
				}
				sep(i)
				m.folded = append(m.folded, frag[j])
			}
		}
		for len(m.start) < len(m.folded) {
			m.start = append(m.start, int32(i))
		}
		i += n
	}
	return m
}

// isDropped reports whether the rune at text[i:] folds to nothing (a
// combining mark or joiner), returning its size.
func isDropped(text string, i int) (bool, int) {
	if text[i] < utf8.RuneSelf {
		return false, 1
	}
	frag, r, n := foldRuneAt(text, i)
	return r == 0 && frag == "", n
}

// spanEnd returns the end offset in text of the rune starting at i, extended
// over following runes that fold to nothing (so a base letter keeps its
// combining marks).
func spanEnd(text string, i int) int {
	_, n := utf8.DecodeRuneInString(text[i:])
	i += n
	for i < len(text) {
		d, n := isDropped(text, i)
		if !d {
			break
		}
		i += n
	}
	return i
}

// longestTermAt returns the length of the longest highlight found at folded[f:], or 0. As in
// search itself, a highlight must be the whole word (or words) there, except one that may be a
// start: the query's last word (the reader may still be typing it).
func longestTermAt(folded []byte, f int, terms []highlight) int {
	best := 0
	rest := folded[f:]
	for _, t := range terms {
		if len(t.text) <= best || len(t.text) > len(rest) || string(rest[:len(t.text)]) != t.text {
			continue
		}
		if t.prefix || endsWord(rest[len(t.text):]) {
			best = len(t.text)
		}
	}
	return best
}

// endsWord reports whether after, the folded text that follows a match, starts with no letter
// or digit: the match ends a word.
func endsWord(after []byte) bool {
	r, _ := utf8.DecodeRune(after)
	return len(after) == 0 || !(unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Snippet returns an HTML excerpt of about width runes (DefaultSnippetWidth
// if width <= 0) of the plain text text around the first place where a term
// of the query (ParseQuery, without abbreviations) starts a word, matching on folded text (so "hoa" finds
// "Hòa") but cutting from the original, accented text. Every word-start
// occurrence of a term inside the excerpt is wrapped in <mark>…</mark>
// (the matched prefix of the word, with its diacritics). Everything else is
// escaped like html.EscapeString, and runs of white space become one space.
// Ellipsis is added where the excerpt cuts the text. With no hit, the
// escaped start of the text is returned. Invalid UTF-8 is replaced by
// U+FFFD; Snippet never panics.
func Snippet(text, query string, width int) string {
	return ParseQuery(query, nil).Snippet(text, width)
}

// Snippet is the excerpt of text around the first hit of the query, as the function Snippet
// makes it: every word of the query, every phrase as a whole and every form an abbreviation
// expanded into is marked.
func (q Query) Snippet(text string, width int) string {
	if width <= 0 {
		width = DefaultSnippetWidth
	}
	if len(text) > maxSnippetText {
		text = text[:maxSnippetText]
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	terms := q.highlights()
	var m foldMap
	hit, hitLen := -1, 0
	if len(terms) > 0 {
		m = buildFoldMap(text)
		for f := 0; f < len(m.folded); f++ {
			if f > 0 && m.folded[f-1] != ' ' {
				continue
			}
			if l := longestTermAt(m.folded, f, terms); l > 0 {
				hit, hitLen = f, l
				break
			}
		}
	}
	if hit < 0 {
		a := skipSpace(text, 0)
		b := cutEnd(text, a, advanceRunes(text, a, width), a)
		return render(text, a, b, nil)
	}
	hs := int(m.start[hit])
	he := spanEnd(text, int(m.start[hit+hitLen-1]))

	// Window start: about a quarter of the width before the hit, moved
	// forward to a word start; window end: width runes later, moved back to
	// a word end but never before the hit's end.
	a := startBefore(text, hs, width/4)
	b := advanceRunes(text, a, width)
	if b >= len(text) && a > 0 {
		// The window reaches the end of the text: use the slack before.
		if a2 := startBefore(text, hs, width-runeCount(text, hs, len(text))); a2 < a {
			a = a2
		}
	}
	b = cutEnd(text, a, b, he)

	// Highlight every word-start occurrence of a term within [a, b).
	fa := sort.Search(len(m.start), func(k int) bool { return int(m.start[k]) >= a })
	var marks [][2]int
	last := a
	for f := fa; f < len(m.folded) && int(m.start[f]) < b; f++ {
		if m.folded[f] == ' ' || (f > 0 && m.folded[f-1] != ' ') {
			continue
		}
		l := longestTermAt(m.folded, f, terms)
		if l == 0 {
			continue
		}
		s := int(m.start[f])
		e := spanEnd(text, int(m.start[f+l-1]))
		if s < last || e > b {
			continue
		}
		marks = append(marks, [2]int{s, e})
		last = e
	}
	return render(text, a, b, marks)
}

// advanceRunes returns the offset n runes after i (at most len(text)),
// never stopping between a letter and its combining marks.
func advanceRunes(text string, i, n int) int {
	for ; n > 0 && i < len(text); n-- {
		_, k := utf8.DecodeRuneInString(text[i:])
		i += k
	}
	for i < len(text) {
		if d, k := isDropped(text, i); d {
			i += k
			continue
		}
		break
	}
	return i
}

// runeCount counts the runes of text[i:j].
func runeCount(text string, i, j int) int { return utf8.RuneCountInString(text[i:j]) }

// startBefore returns a cut offset about n runes before hs, moved forward
// to just after a white space (a word start) when there is one before hs;
// otherwise the nearest word start before hs if within 2n runes, else a
// plain rune boundary.
func startBefore(text string, hs, n int) int {
	if n <= 0 {
		return hs
	}
	a := hs
	for k := 0; k < n && a > 0; k++ {
		_, sz := utf8.DecodeLastRuneInString(text[:a])
		a -= sz
	}
	if a == 0 {
		return 0
	}
	if r, _ := utf8.DecodeLastRuneInString(text[:a]); unicode.IsSpace(r) {
		return a // already at a word start
	}
	// Forward to the first word start in (a, hs].
	for i := a; i < hs; {
		r, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
		if unicode.IsSpace(r) {
			return skipSpace(text, i)
		}
	}
	// No space between a and the hit: look further back for one.
	i := a
	for k := 0; k < n && i > 0; k++ {
		r, sz := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			return i
		}
		i -= sz
	}
	if i == 0 {
		return 0
	}
	// Do not start on a combining mark.
	for a < hs {
		if d, sz := isDropped(text, a); d {
			a += sz
			continue
		}
		break
	}
	return a
}

// skipSpace returns the offset of the first non-space rune at or after i.
func skipSpace(text string, i int) int {
	for i < len(text) {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += sz
	}
	return i
}

// cutEnd moves the end offset b back to the last white space in
// [lo, b] so no word is cut, when there is one; lo is the smallest
// acceptable end (the end of the hit). b is never moved before lo.
func cutEnd(text string, a, b, lo int) int {
	if b >= len(text) {
		return len(text)
	}
	if b < lo {
		b = lo
	}
	if r, _ := utf8.DecodeRuneInString(text[b:]); unicode.IsSpace(r) {
		return b
	}
	for i := b; i > lo && i > a; {
		r, sz := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			return i - sz
		}
		i -= sz
	}
	return b
}

// render writes text[a:b] escaped, with marks (sorted, disjoint, within
// [a, b)) wrapped in <mark>, white space collapsed and trimmed, and an
// Ellipsis at each end where the text continues.
func render(text string, a, b int, marks [][2]int) string {
	var sb strings.Builder
	sb.Grow(b - a + len(marks)*13 + 2*len(Ellipsis) + 16)
	if strings.TrimSpace(text[:a]) != "" {
		sb.WriteString(Ellipsis)
	}
	w := escWriter{b: &sb, space: false, start: true}
	pos := a
	for _, mk := range marks {
		w.write(text[pos:mk[0]])
		w.flushSpace()
		sb.WriteString("<mark>")
		w.write(text[mk[0]:mk[1]])
		w.flushSpace()
		sb.WriteString("</mark>")
		pos = mk[1]
	}
	w.write(text[pos:b])
	if strings.TrimSpace(text[b:]) != "" {
		sb.WriteString(Ellipsis)
	}
	return sb.String()
}

// escWriter HTML-escapes text like html.EscapeString and collapses runs of
// white space into one space, dropping leading and trailing white space.
type escWriter struct {
	b     *strings.Builder
	space bool // a space is pending
	start bool // nothing written yet
}

func (w *escWriter) flushSpace() {
	if w.space && !w.start {
		w.b.WriteByte(' ')
	}
	w.space = false
	if w.start {
		w.start = false
	}
}

func (w *escWriter) write(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			var esc string
			switch c {
			case ' ', '\t', '\n', '\v', '\f', '\r':
				w.space = true
				continue
			case '&':
				esc = "&amp;"
			case '\'':
				esc = "&#39;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '"':
				esc = "&#34;"
			}
			w.flushSpace()
			if esc != "" {
				w.b.WriteString(esc)
			} else {
				w.b.WriteByte(c)
			}
			continue
		}
		r, sz := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			w.space = true
		} else {
			w.flushSpace()
			w.b.WriteString(s[i : i+sz])
		}
		i += sz
	}
}
