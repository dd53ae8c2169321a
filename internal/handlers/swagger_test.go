package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/toasoan/toasoan/internal/testdb"
)

// The docs UI cannot be framed, sends no referrer, and its policy allows exactly the scripts
// the page holds: its own files and its inline start-up script, by hash.
func TestSwaggerUISecurityHeaders(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	headers := func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		h := res.Header()
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("headers %v", h)
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self' 'sha256-", "style-src 'self' 'unsafe-inline'", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		_, scriptSrc, _ := strings.Cut(csp, "script-src")
		if scriptSrc, _, _ = strings.Cut(scriptSrc, ";"); strings.Contains(scriptSrc, "unsafe") {
			t.Errorf("CSP %q lets any inline script run", csp)
		}
	}
	ts.run([]scenario{
		{name: "the page", method: "GET", path: "/swagger/index.html", want: 200,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				headers(t, res)
				body := res.Body.String()
				csp := res.Header().Get("Content-Security-Policy")
				scripts := regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(body, -1)
				inline := 0
				for _, m := range scripts {
					if strings.Contains(m[1], "src=") {
						if !strings.Contains(m[1], `src="./`) {
							t.Errorf("script from elsewhere: %s", m[0][:60])
						}
						continue
					}
					inline++
					sum := sha256.Sum256([]byte(m[2]))
					if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
						t.Errorf("the inline script is not allowed by the CSP %q", csp)
					}
				}
				if len(scripts) < 2 || inline != 1 {
					t.Errorf("%d scripts, %d inline: not the UI's page?", len(scripts), inline)
				}
				if regexp.MustCompile(`<[^>]+\son[a-z]+=`).MatchString(body) {
					t.Error("the page has inline event handlers, which the CSP blocks")
				}
			}},
		{name: "its script", method: "GET", path: "/swagger/swagger-ui-bundle.js", want: 200, check: headers},
		{name: "the spec has the API's own policy: nothing runs", method: "GET", path: "/swagger/doc.json", want: 200,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				h := res.Header()
				if h.Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" || h.Get("X-Frame-Options") != "DENY" ||
					h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("headers %v", h)
				}
			}},
	})
}
