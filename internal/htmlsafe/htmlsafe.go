// Package htmlsafe sanitises rich-text HTML (article and announcement
// bodies) before it is stored, so that whatever an editor pastes in can be
// rendered later without escaping and without opening an XSS hole.
package htmlsafe

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// Sanitize is Default.Sanitize: the body sanitiser with the default embed
// providers.
func Sanitize(html string) string {
	return Default.Sanitize(html)
}

// Default is the sanitiser with DefaultEmbedProviders.
var Default = New(DefaultEmbedProviders)

// Sanitizer reduces rich-text HTML to what a news body needs. It is built
// once (bluemonday policies are safe for concurrent use only after
// construction, and building one per call would dominate the cost) and is
// safe for concurrent use.
type Sanitizer struct {
	policy    *bluemonday.Policy
	providers []provider
}

// New returns a sanitiser that keeps iframes whose https URL starts with one
// of providers ("www.youtube.com/embed/": a host and a path prefix).
func New(providers []string) *Sanitizer {
	return &Sanitizer{policy: newPolicy(), providers: parseProviders(providers)}
}

// Sanitize returns html reduced to the elements and attributes a news body
// needs. Everything else is removed: scripts and styles with their content,
// frames and objects (but embeds of the allowed providers, see finishEmbeds),
// SVG/MathML, forms, event handlers, style and class attributes, and any URL
// that is not http(s), mailto, tel or relative. Links get rel="nofollow";
// links to other hosts also open in a new tab and therefore get
// rel="noopener".
func (s *Sanitizer) Sanitize(html string) string {
	return s.finishEmbeds(s.policy.Sanitize(emptyFrames(html)))
}

var (
	// A relative URL has no scheme: no ':' before the first '/', '?' or '#'.
	// http(s) is spelled out so that img/cite cannot use the mailto/tel
	// schemes the policy allows for links. bluemonday trims the value
	// before parsing it, so surrounding space is tolerated here too.
	// A host is required after "//" because bluemonday would rewrite an
	// empty one ("http://") to "http:", which a second pass then rejects.
	webOrRelativeURL = regexp.MustCompile(`^\s*(?:(?i:https?)://[^/?#\s]|[^:/?#]*(?:[/?#]|$))`)
	webURL           = regexp.MustCompile(`^\s*(?i:https?)://[^/?#\s]`)
	pixelSize        = regexp.MustCompile(`^[0-9]{1,5}%?$`)
	cellSpan         = regexp.MustCompile(`^[0-9]{1,3}$`)
	loadingHint      = regexp.MustCompile(`^(?:lazy|eager)$`)
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	p.AllowElements(
		"p", "br", "hr",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"strong", "b", "em", "i", "u", "s", "sub", "sup",
		"blockquote", "ul", "ol", "li",
		"figure", "figcaption",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
		"pre", "code",
	)

	// Schemes are policy-wide in bluemonday; the attribute regexps below
	// narrow img and blockquote to the web schemes only.
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)

	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	// bluemonday adds rel="noopener" whenever it adds target="_blank", so a
	// new tab can never reach back through window.opener.
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowAttrs("src").Matching(webOrRelativeURL).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(pixelSize).OnElements("img")
	p.AllowAttrs("loading").Matching(loadingHint).OnElements("img")

	p.AllowAttrs("cite").Matching(webURL).OnElements("blockquote")

	p.AllowAttrs("colspan", "rowspan").Matching(cellSpan).OnElements("th", "td")

	// Iframes pass with an https src only; finishEmbeds keeps those of the
	// allowed providers and rewrites them whole.
	p.AllowAttrs("src").Matching(webURL).OnElements("iframe")
	p.AllowAttrs("width", "height").Matching(pixelSize).OnElements("iframe")
	p.AllowAttrs("title").OnElements("iframe")

	// bluemonday already drops script, style, object, noscript and
	// title together with their content. textarea, xmp and plaintext hold raw
	// text that the tokenizer does not parse, so keeping it would show
	// escaped tag soup to readers; template content is never displayed.
	// Void or often-unclosed tags (embed, svg) are not listed: skipping
	// waits for an end tag and would swallow the rest of the body.
	p.SkipElementsContent("template", "textarea", "xmp", "plaintext")

	return p
}
