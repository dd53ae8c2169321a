package htmlsafe

import (
	"regexp"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// executableElements run code or load active content wherever they appear.
var executableElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "base": true, "meta": true, "link": true, "form": true, "svg": true, "math": true,
	"template": true, "noscript": true,
}

// urlAttributes are the attributes a browser follows or loads.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "srcset": true, "poster": true,
	"cite": true, "background": true, "xlink:href": true, "data": true, "longdesc": true, "usemap": true,
}

// badScheme finds a javascript:, vbscript: or data: URL as a browser reads it: entities already
// decoded by the parser, ASCII whitespace and control characters ignored, any case.
var badScheme = regexp.MustCompile(`(?i)(^|[\s,])(javascript|vbscript|data|livescript):`)

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// assertNotExecutable parses the sanitised output as a browser does (the HTML5 tree builder, in
// the body of a document) and fails on any executable vector in it.
func assertNotExecutable(t *testing.T, in, out string) {
	t.Helper()
	body := &xhtml.Node{Type: xhtml.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := xhtml.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		t.Fatalf("Sanitize(%q) = %q does not parse: %v", in, out, err)
	}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			if strings.ToLower(n.Data) == "iframe" && !isSandboxedEmbed(n) {
				t.Errorf("Sanitize(%q) = %q holds an <iframe> that is not a sandboxed embed of an allowed provider", in, out)
			} else if executableElements[strings.ToLower(n.Data)] && strings.ToLower(n.Data) != "iframe" {
				t.Errorf("Sanitize(%q) = %q holds a <%s> element", in, out, n.Data)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = strings.ToLower(a.Namespace + ":" + a.Key)
				}
				if strings.HasPrefix(key, "on") {
					t.Errorf("Sanitize(%q) = %q: event handler %s on <%s>", in, out, a.Key, n.Data)
				}
				if key == "style" && strings.Contains(strings.ToLower(a.Val), "url(") {
					t.Errorf("Sanitize(%q) = %q: style loading a URL on <%s>", in, out, n.Data)
				}
				if urlAttributes[key] || strings.HasSuffix(key, "href") {
					if badScheme.MatchString(stripControls(a.Val)) || badScheme.MatchString(a.Val) {
						t.Errorf("Sanitize(%q) = %q: %s=%q on <%s> is an executable or data URL", in, out, a.Key, a.Val, n.Data)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// isSandboxedEmbed: an iframe of a default provider over https, with the embed sandbox and no
// attribute outside the safe set.
func isSandboxedEmbed(n *xhtml.Node) bool {
	safe := map[string]bool{"src": true, "width": true, "height": true, "title": true, "sandbox": true, "loading": true, "allowfullscreen": true}
	sandboxed := false
	for _, a := range n.Attr {
		switch {
		case !safe[a.Key] || a.Namespace != "":
			return false
		case a.Key == "src" && !Default.allows(a.Val):
			return false
		case a.Key == "sandbox":
			sandboxed = a.Val == EmbedSandbox
		}
	}
	return sandboxed
}

// FuzzSanitizeNoExecutable: whatever comes in, the output a browser builds from Sanitize holds
// no script-like element, no on* attribute and no javascript:/vbscript:/data: URL (no data
// images are allowed either).
func FuzzSanitizeNoExecutable(f *testing.F) {
	for _, v := range xssVectors {
		f.Add(v)
	}
	f.Add(`<p>Mặt trận <a href="/tin-moi">Tin mới</a></p><img src="/a.jpg" alt="Ảnh">`)
	f.Add(`<a href="java&#x09;script:alert(1)">x</a><img src="data:image/png;base64,AAAA">`)
	f.Add(`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg><math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`)
	f.Add(`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`)
	f.Add(`<iframe src="https://www.youtube.com/embed/x" onload="alert(1)" sandbox="allow-top-navigation">x</iframe>`)
	f.Add(`<iframe src="https://www.youtube.com/embed/x"/><script>alert(1)</script>`)
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		assertNotExecutable(t, in, out)
		if again := Sanitize(out); again != out {
			t.Errorf("Sanitize is not idempotent on %q: %q, then %q", in, out, again)
		}
	})
}
