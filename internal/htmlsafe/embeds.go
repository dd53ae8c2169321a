package htmlsafe

import (
	"html"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"
)

// DefaultEmbedProviders are the iframes kept in bodies unless configured otherwise: YouTube
// (also without cookies), Facebook video and Google Maps.
var DefaultEmbedProviders = []string{
	"www.youtube.com/embed/",
	"www.youtube-nocookie.com/embed/",
	"www.facebook.com/plugins/video.php",
	"www.google.com/maps/embed",
}

// EmbedSandbox is the sandbox every kept iframe gets: the player runs its scripts in its own
// origin and may open a popup (share, "watch on YouTube"), nothing more (no top navigation, no
// forms).
const EmbedSandbox = "allow-scripts allow-same-origin allow-presentation allow-popups"

// provider is an allowed embed: an exact host and a path prefix.
type provider struct{ host, path string }

func parseProviders(list []string) []provider {
	var out []provider
	for _, p := range list {
		p = strings.TrimSpace(p)
		p = strings.TrimPrefix(strings.TrimPrefix(p, "https://"), "http://")
		host, path, _ := strings.Cut(p, "/")
		if host == "" {
			continue
		}
		out = append(out, provider{host: strings.ToLower(host), path: "/" + path})
	}
	return out
}

// allows says whether src is an https URL of one of the providers: the host exactly (so
// www.youtube.com.evil.example is not YouTube) and the path from its start.
func (s *Sanitizer) allows(src string) bool {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" {
		return false
	}
	esc := strings.ToLower(u.EscapedPath())
	if strings.Contains(esc, "%2e") || strings.Contains(esc, "%2f") || strings.Contains(esc, "%5c") {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	for _, p := range s.providers {
		rest, ok := strings.CutPrefix(u.EscapedPath(), p.path)
		if ok && !strings.HasSuffix(p.path, "/") && rest != "" && rest[0] != '/' {
			ok = false
		}
		if strings.EqualFold(u.Hostname(), p.host) && ok {
			return true
		}
	}
	return false
}

// emptyFrames removes the content of every iframe (fallback text, which the tokenizer reads as
// raw text up to </iframe>): nothing inside a frame is shown, and keeping it would make
// bluemonday escape it once more on every pass.
func emptyFrames(in string) string {
	if !strings.Contains(strings.ToLower(in), "<iframe") {
		return in
	}
	z := xhtml.NewTokenizer(strings.NewReader(in))
	var b strings.Builder
	b.Grow(len(in))
	afterFrame := false
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		if tt == xhtml.TextToken && afterFrame {
			afterFrame = false
			continue
		}
		afterFrame = false
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			name, _ := z.TagName()
			afterFrame = string(name) == "iframe"
		}
		b.Write(raw)
	}
}

// finishEmbeds rewrites the iframes bluemonday let through (https src, width, height, title):
// those of an allowed provider become one closed, sandboxed, lazy iframe with only those
// attributes; any other is dropped, and so is every </iframe> (each kept frame is closed where
// it opens).
func (s *Sanitizer) finishEmbeds(in string) string {
	if !strings.Contains(in, "<iframe") && !strings.Contains(in, "</iframe") {
		return in
	}
	z := xhtml.NewTokenizer(strings.NewReader(in))
	var b strings.Builder
	b.Grow(len(in) + 128)
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		tok := z.Token()
		if tok.Data != "iframe" || tt == xhtml.TextToken || tt == xhtml.CommentToken || tt == xhtml.DoctypeToken {
			b.WriteString(tok.String())
			continue
		}
		if tt == xhtml.EndTagToken {
			continue
		}
		attrs := map[string]string{}
		for _, a := range tok.Attr {
			attrs[a.Key] = a.Val
		}
		if !s.allows(attrs["src"]) {
			continue
		}
		b.WriteString(`<iframe src="` + html.EscapeString(attrs["src"]) + `"`)
		for _, k := range []string{"width", "height", "title"} {
			if v, ok := attrs[k]; ok {
				b.WriteString(" " + k + `="` + html.EscapeString(v) + `"`)
			}
		}
		b.WriteString(` sandbox="` + EmbedSandbox + `" loading="lazy" allowfullscreen=""></iframe>`)
	}
}
