package htmlsafe

import (
	"strings"
	"testing"
)

const sandboxed = ` sandbox="` + EmbedSandbox + `" loading="lazy" allowfullscreen=""></iframe>`

func TestSanitizeEmbeds(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"youtube as pasted from its share box",
			`<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x" title="YouTube video player" frameborder="0" allow="autoplay" referrerpolicy="strict-origin" allowfullscreen></iframe>`,
			`<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x" width="560" height="315" title="YouTube video player"` + sandboxed},
		{"youtube without cookies", `<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>`,
			`<iframe src="https://www.youtube-nocookie.com/embed/abc"` + sandboxed},
		{"facebook video", `<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fx%2Fvideos%2F1&amp;show_text=0" width="560" height="314"></iframe>`,
			`<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fx%2Fvideos%2F1&amp;show_text=0" width="560" height="314"` + sandboxed},
		{"google maps", `<iframe src="https://www.google.com/maps/embed?pb=!1m18" style="border:0" loading="eager"></iframe>`,
			`<iframe src="https://www.google.com/maps/embed?pb=!1m18"` + sandboxed},
		{"fallback content is dropped", `<iframe src="https://www.youtube.com/embed/a">see <a href="/x">it</a> &amp; more</iframe><p>after</p>`,
			`<iframe src="https://www.youtube.com/embed/a"` + sandboxed + `<p>after</p>`},
		{"self-closed is closed", `<iframe src="https://www.youtube.com/embed/a"/><p>after</p>`,
			`<iframe src="https://www.youtube.com/embed/a"` + sandboxed},
		{"the sandbox cannot be widened", `<iframe src="https://www.youtube.com/embed/a" sandbox="allow-top-navigation allow-forms"></iframe>`,
			`<iframe src="https://www.youtube.com/embed/a"` + sandboxed},
		{"event handlers and srcdoc go", `<iframe src="https://www.youtube.com/embed/a" onload="alert(1)" srcdoc="<script>alert(1)</script>"></iframe>`,
			`<iframe src="https://www.youtube.com/embed/a"` + sandboxed},
		{"http is not enough", `<iframe src="http://www.youtube.com/embed/a"></iframe><p>x</p>`, `<p>x</p>`},
		{"another host", `<iframe src="https://evil.example/embed/a">text</iframe><p>x</p>`, `<p>x</p>`},
		{"a host that only starts like youtube", `<iframe src="https://www.youtube.com.evil.example/embed/a"></iframe>`, ``},
		{"userinfo", `<iframe src="https://www.youtube.com@evil.example/embed/a"></iframe>`, ``},
		// A browser resolves dot segments before it loads: the path must stay under the prefix.
		{"dot segments out of the prefix", `<iframe src="https://www.google.com/maps/embed/../../url?q=https://evil.example/"></iframe>`, ``},
		{"encoded dot segments", `<iframe src="https://www.google.com/maps/embed/%2e%2e/%2E%2E/url?q=x"></iframe>`, ``},
		{"an encoded slash", `<iframe src="https://www.youtube.com/embed/a%2f..%2f..%2flogin"></iframe>`, ``},
		{"a prefix without a segment boundary", `<iframe src="https://www.google.com/maps/embedx?pb=1"></iframe>`, ``},
		{"a file prefix followed by more name", `<iframe src="https://www.facebook.com/plugins/video.php.evil"></iframe>`, ``},
		{"another path of an allowed host", `<iframe src="https://www.youtube.com/watch?v=a"></iframe>`, ``},
		{"javascript", `<iframe src="javascript:alert(1)"></iframe>`, ``},
		{"no src", `<iframe srcdoc="<p>x</p>"></iframe><p>y</p>`, `<p>y</p>`},
		{"a stray end tag", `<p>a</p></iframe>`, `<p>a</p>`},
		{"a frame inside a frame is its text", `<iframe><iframe src="https://www.youtube.com/embed/a"></iframe>`, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Sanitize(c.in)
			if out != c.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", c.in, out, c.want)
			}
			if again := Sanitize(out); again != out {
				t.Errorf("not idempotent: %q then %q", out, again)
			}
			assertNotExecutable(t, c.in, out)
		})
	}
}

func TestSanitizerProviders(t *testing.T) {
	s := New([]string{" https://player.vimeo.com/video/ ", "", "embed.example"})
	yt := `<iframe src="https://www.youtube.com/embed/a"></iframe>`
	if out := s.Sanitize(yt); out != "" {
		t.Errorf("a provider left out of the list is kept: %q", out)
	}
	vimeo := `<iframe src="https://player.vimeo.com/video/1"></iframe>`
	if out := s.Sanitize(vimeo); !strings.HasPrefix(out, `<iframe src="https://player.vimeo.com/video/1" sandbox=`) {
		t.Errorf("a configured provider is dropped: %q", out)
	}
	if out := s.Sanitize(`<iframe src="https://player.vimeo.com/other/1"></iframe>`); out != "" {
		t.Errorf("another path of a configured provider is kept: %q", out)
	}
	if out := s.Sanitize(`<iframe src="https://embed.example/any/thing"></iframe>`); out == "" {
		t.Error("a host-only provider allows none of its paths")
	}
	if out := New(nil).Sanitize(yt + "<p>x</p>"); out != "<p>x</p>" {
		t.Errorf("with no providers an embed is kept: %q", out)
	}
}
