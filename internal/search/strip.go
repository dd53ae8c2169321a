package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// skippedTags are elements whose content is not reader-visible text.
var skippedTags = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "noembed": true, "noframes": true,
}

// breakTags are elements that separate words: their start and end tags
// become spaces, so "<p>a</p><p>b</p>" gives "a b", not "ab".
var breakTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true,
	"br": true, "caption": true, "dd": true, "details": true, "div": true,
	"dl": true, "dt": true, "figcaption": true, "figure": true,
	"footer": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "header": true, "hr": true, "img": true,
	"li": true, "main": true, "nav": true, "ol": true, "p": true,
	"pre": true, "section": true, "summary": true, "table": true,
	"tbody": true, "td": true, "tfoot": true, "th": true, "thead": true,
	"tr": true, "ul": true, "option": true, "body": true, "html": true,
	"title": true, "textarea": true, "button": true, "label": true,
	"input": true, "select": true, "video": true, "audio": true,
}

// StripHTML returns the plain text of an HTML fragment, for indexing and
// snippets: tags and comments are dropped, together with the contents of
// script, style, noscript, template, iframe, noembed and noframes; entities are
// decoded (as html.UnescapeString does); block-level and line-breaking tags
// (p, br, div, h1–h6, li, tr, td, blockquote, figcaption, …) count as white
// space so words never merge; runs of white space (including no-break
// spaces) and control characters collapse into one space and the result is
// trimmed. Invalid UTF-8 is replaced by U+FFFD.
func StripHTML(html string) string {
	var b strings.Builder
	b.Grow(len(html) / 2)
	space := false // a separator is pending
	addSpace := func() { space = true }
	addText := func(t []byte) {
		for i := 0; i < len(t); {
			r, n := utf8.DecodeRune(t[i:])
			if r == utf8.RuneError && n <= 1 {
				r = utf8.RuneError
			}
			switch {
			case unicode.IsSpace(r), unicode.IsControl(r):
				space = true
			default:
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				if r == utf8.RuneError {
					b.WriteRune(r)
				} else {
					b.Write(t[i : i+n])
				}
			}
			i += n
		}
	}

	z := xhtml.NewTokenizer(strings.NewReader(html))
	skip, skipDepth := "", 0
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String() // io.EOF: a strings.Reader fails no other way
		case xhtml.TextToken:
			if skip == "" {
				addText(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			nb, _ := z.TagName()
			name := string(nb)
			if skip != "" {
				if name == skip {
					switch tt {
					case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
						skipDepth++
					case xhtml.EndTagToken:
						skipDepth--
					}
					if skipDepth == 0 {
						skip = ""
						addSpace()
					}
				}
				continue
			}
			// "<script/>" still opens a script element in HTML.
			if tt != xhtml.EndTagToken && skippedTags[name] {
				skip, skipDepth = name, 1
				addSpace()
				continue
			}
			if breakTags[name] {
				addSpace()
			}
		}
	}
}
