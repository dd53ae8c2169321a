package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/testdb"
)

// probe is a request type used only to drive binding and validation through the real router.
type probe struct {
	Title string `json:"title" validate:"required,max=10"`
	Email string `json:"email" validate:"required,email"`
	Count int    `json:"count" validate:"gte=0"`
}

func TestErrorsAreProblemJSON(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.handle(http.MethodPost, "/test/probe", func(c echo.Context) error {
			var p probe
			if err := bindJSON(c, &p); err != nil {
				return err
			}
			return c.JSON(http.StatusOK, map[string]any{"data": p})
		}, auth.Public)
		ts.handle(http.MethodGet, "/test/panic", func(c echo.Context) error { panic("boom: secret internals") }, auth.Public)
		ts.handle(http.MethodGet, "/test/internal", func(c echo.Context) error { return gorm.ErrInvalidDB }, auth.Public)
		ts.Echo().GET("/test/norule", func(c echo.Context) error { return c.NoContent(http.StatusOK) })

		isProblem := func(status int, code string) func(t *testing.T, res *httptest.ResponseRecorder) {
			return func(t *testing.T, res *httptest.ResponseRecorder) {
				if ct := res.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				p := decode[problem](t, res)
				if p.Status != status || p.Code != code || p.Title != http.StatusText(status) || p.Type == "" {
					t.Errorf("problem = %+v, want status %d code %s", p, status, code)
				}
				if p.RequestID == "" || p.RequestID != res.Header().Get("X-Request-ID") {
					t.Errorf("request_id %q does not match header %q", p.RequestID, res.Header().Get("X-Request-ID"))
				}
				if strings.Contains(res.Body.String(), "secret internals") || strings.Contains(res.Body.String(), "invalid db") {
					t.Errorf("internal text leaked: %s", res.Body)
				}
			}
		}
		ts.run([]scenario{
			{name: "unknown route", method: "GET", path: "/api/v1/nothing-here", want: 404,
				check: isProblem(404, "not_found")},
			{name: "wrong method", method: "DELETE", path: "/healthz", want: 405,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					isProblem(405, "method_not_allowed")(t, res)
					if res.Header().Get("Allow") == "" {
						t.Error("405 without Allow header")
					}
				}},
			{name: "malformed JSON", method: "POST", path: "/test/probe", body: `{"title": `, want: 400,
				check: isProblem(400, "bad_request")},
			{name: "empty body", method: "POST", path: "/test/probe", body: ``, want: 400,
				check: isProblem(400, "bad_request")},
			{name: "wrong JSON type names the field", method: "POST", path: "/test/probe", body: `{"title": 5}`, want: 400,
				fields: map[string]any{"errors.0.field": "title"}},
			{name: "not JSON", method: "POST", path: "/test/probe", body: `title=x`, headers: map[string]string{"Content-Type": "text/plain"}, want: 415,
				check: isProblem(415, "unsupported_media_type")},
			{name: "every invalid field listed", method: "POST", path: "/test/probe", body: `{"title": "much too long a title", "count": -1}`, want: 422,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					isProblem(422, "validation_failed")(t, res)
					p := decode[problem](t, res)
					got := map[string]bool{}
					for _, f := range p.Errors {
						got[f.Field] = f.Message != ""
					}
					if !got["title"] || !got["email"] || !got["count"] || len(p.Errors) != 3 {
						t.Errorf("errors = %+v, want title, email and count", p.Errors)
					}
				}},
			{name: "valid body", method: "POST", path: "/test/probe", body: `{"title": "Tin mới", "email": "ban@mattran.org.vn"}`, want: 200,
				fields: map[string]any{"data.title": "Tin mới"}},
			{name: "body too large", method: "POST", path: "/test/probe", body: `{"title": "` + strings.Repeat("a", 2<<20) + `"}`, want: 413,
				check: isProblem(413, "payload_too_large")},
			{name: "panic is a 500 without internals", method: "GET", path: "/test/panic", want: 500,
				check: isProblem(500, "internal")},
			{name: "internal error is a 500 without internals", method: "GET", path: "/test/internal", want: 500,
				check: isProblem(500, "internal")},
			{name: "route without a rule is denied", method: "GET", path: "/test/norule", want: 403,
				check: isProblem(403, "forbidden")},
			{name: "unknown query parameter", method: "GET", path: "/api/v1/categories?bogus=1", want: 400,
				fields: map[string]any{"code": "bad_request", "errors.0.field": "bogus"}},
		})
	})
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	res := ts.do("GET", "/healthz", nil, "", map[string]string{"X-Request-ID": "abc-123"})
	if got := res.Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed X-Request-ID = %q", got)
	}
	res = ts.do("GET", "/healthz", nil, "", map[string]string{"X-Request-ID": "bad id\nwith newline"})
	if got := res.Header().Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("unsafe X-Request-ID not replaced: %q", got)
	}
	res = ts.do("GET", "/healthz", nil, "", nil)
	if res.Header().Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID made")
	}
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	db := testdb.New(t, "sqlite")
	ts := newTestServer(t, db)
	res := ts.do("GET", "/healthz", nil, "", nil)
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := res.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if res.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS allowed with no origins configured")
	}

	ts.cfg.CORSOrigins = []string{"https://mattran.org.vn"}
	ts.Server = mustServer(t, Deps{Config: ts.cfg, Store: ts.store})
	res = ts.do("GET", "/api/v1/categories", nil, "", map[string]string{"Origin": "https://mattran.org.vn"})
	if res.Header().Get("Access-Control-Allow-Origin") != "https://mattran.org.vn" {
		t.Errorf("allowed origin not echoed: %v", res.Header())
	}
	exposed := res.Header().Get("Access-Control-Expose-Headers")
	for _, h := range []string{"ETag", "X-Request-Id", "Retry-After"} {
		if !strings.Contains(exposed, h) {
			t.Errorf("%s not exposed: %q", h, exposed)
		}
	}
	// The view beacon is a simple cross-origin request (sendBeacon's text/plain): no preflight,
	// and the answer is readable by the frontend's origin.
	res = ts.do("POST", "/api/v1/articles/khong-co/views", "", "", map[string]string{"Origin": "https://mattran.org.vn", "Content-Type": "text/plain;charset=UTF-8"})
	if res.Code != 404 || res.Header().Get("Access-Control-Allow-Origin") != "https://mattran.org.vn" {
		t.Errorf("view beacon from the frontend's origin: %d %v", res.Code, res.Header())
	}
	res = ts.do("GET", "/api/v1/categories", nil, "", map[string]string{"Origin": "https://evil.example"})
	if res.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS allowed an unknown origin")
	}
}

// The first minute of a newcomer: / says where to go, /swagger leads to the UI, which reads the
// OpenAPI 3 document; /openapi.json and /openapi.yaml are the committed document byte for byte,
// and the Swagger 2.0 one is valid as served (swag's empty host is not).
func TestFirstMinute(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	ts.run([]scenario{
		{name: "index", method: "GET", path: "/", want: 200, fields: map[string]any{
			"name": "toasoan", "version": "1.0", "links.docs": "/swagger/index.html", "links.openapi": "/openapi.json", "links.swagger2": "/swagger/doc.json",
			"links.health": "/healthz", "links.api": "/api/v1"}},
		{name: "swagger leads to the UI", method: "GET", path: "/swagger", want: 302,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				if res.Header().Get("Location") != "/swagger/index.html" {
					t.Errorf("Location %q", res.Header().Get("Location"))
				}
			}},
		{name: "swagger/ too", method: "GET", path: "/swagger/", want: 302},
		{name: "the UI", method: "GET", path: "/swagger/index.html", want: 200},
		{name: "the UI opens the OpenAPI 3 document first", method: "GET", path: "/swagger/index.html", want: 200,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				page := res.Body.String()
				// html/template writes "/" in a script as "\/".
				first, second := strings.Index(page, `url: "\/openapi.json"`), strings.Index(page, `url: "\/swagger\/doc.json"`)
				if first < 0 || second < first || strings.Contains(page, "doc.yaml") {
					t.Errorf("the UI's list of documents is not /openapi.json, then /swagger/doc.json: %s", page)
				}
			}},
		{name: "openapi.json is the committed document", method: "GET", path: "/openapi.json", want: 200,
			check: wantCommitted("openapi.json", "application/json")},
		{name: "openapi.yaml is the committed document", method: "GET", path: "/openapi.yaml", want: 200,
			check: wantCommitted("openapi.yaml", "application/yaml")},
		{name: "the document has no empty host", method: "GET", path: "/swagger/doc.json", want: 200,
			check: func(t *testing.T, res *httptest.ResponseRecorder) {
				var doc map[string]any
				if err := json.Unmarshal(res.Body.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				if host, ok := doc["host"]; ok && host == "" {
					t.Error(`the served document has "host": ""`)
				}
				if schemes, ok := doc["schemes"].([]any); ok && len(schemes) == 0 {
					t.Error(`the served document has "schemes": []`)
				}
				if doc["swagger"] != "2.0" || len(doc["paths"].(map[string]any)) < 50 {
					t.Errorf("not the whole document: swagger %v, %d paths", doc["swagger"], len(doc["paths"].(map[string]any)))
				}
			}},
	})
}

// wantCommitted checks that a response is docs/name as committed, of the media type.
func wantCommitted(name, mediaType string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		committed, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Body.Bytes(), committed) {
			t.Errorf("the served %s (%d bytes) is not docs/%s (%d bytes)", name, res.Body.Len(), name, len(committed))
		}
		if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, mediaType) {
			t.Errorf("Content-Type %q, want %s", ct, mediaType)
		}
	}
}

func TestGzipWhenAsked(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	res := ts.do("GET", "/swagger/doc.json", nil, "", map[string]string{"Accept-Encoding": "gzip"})
	if res.Code != 200 || res.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", res.Code, res.Header().Get("Content-Encoding"))
	}
	if !strings.Contains(res.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q", res.Header().Get("Vary"))
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db)
		ts.run([]scenario{
			{name: "healthz", method: "GET", path: "/healthz", want: 200, fields: map[string]any{"status": "ok"}},
			{name: "readyz", method: "GET", path: "/readyz", want: 200, fields: map[string]any{"status": "ok"}},
			{name: "categories", method: "GET", path: "/api/v1/categories", want: 200},
			{name: "swagger spec", method: "GET", path: "/swagger/doc.json", want: 200, fields: map[string]any{"info.title": "toasoan API"}},
			{name: "metrics by route pattern", method: "GET", path: "/metrics", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					body := res.Body.String()
					for _, want := range []string{
						`toasoan_http_requests_total{method="GET",route="/readyz",status="200"} 1`,
						`toasoan_http_request_duration_seconds_bucket`,
						`go_sql_max_open_connections{db_name="toasoan"}`,
					} {
						if !strings.Contains(body, want) {
							t.Errorf("metrics lack %s", want)
						}
					}
				}},
		})
		sqlDB, _ := db.DB()
		sqlDB.Close()
		ts.run([]scenario{
			{name: "readyz with the database closed", method: "GET", path: "/readyz", want: 503},
			{name: "healthz with the database closed", method: "GET", path: "/healthz", want: 200},
		})
	})
}

func TestEveryRouteHasAnAccessRule(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	for _, r := range ts.Echo().Routes() {
		if _, ok := ts.Rules()[r.Method+" "+r.Path]; !ok {
			t.Errorf("%s %s has no access rule in routes.go", r.Method, r.Path)
		}
	}
}

func TestHeadAnswersLikeGet(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	get := ts.do("GET", "/api/v1/categories", nil, "", nil)
	head := ts.do("HEAD", "/api/v1/categories", nil, "", nil)
	if head.Code != 200 || head.Header().Get("ETag") != get.Header().Get("ETag") || head.Header().Get("Cache-Control") == "" {
		t.Fatalf("HEAD: %d %v", head.Code, head.Header())
	}
	if res := ts.do("HEAD", "/api/v1/auth/me", nil, "", nil); res.Code != 401 || res.Body.Len() != 0 {
		t.Fatalf("HEAD of a protected route without a token: %d, %d bytes", res.Code, res.Body.Len())
	}
}

// Every time the API shows is in the newsroom's zone, whichever database served it.
func TestTimesAreShownInTheNewsroomZone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo", "body": "<p>x</p>", "status": "published",
			"starts_at": "2026-08-23T01:00:00Z"})
		receipt := ts.do("POST", "/api/v1/submissions", map[string]string{"name": "Trần Văn Bình", "email": "binh@example.vn",
			"subject": "Góp ý", "content": "Nội dung góp ý"}, "", nil)
		if receipt.Code != 201 || !strings.Contains(receipt.Body.String(), "+07:00") {
			t.Errorf("submission receipt: %d %s", receipt.Code, receipt.Body)
		}
		for _, path := range []string{"/api/v1/auth/me", "/api/v1/announcements", "/api/v1/admin/users/" + itoa(ts.ids["editor"])} {
			as := "admin"
			if path == "/api/v1/announcements" {
				as = ""
			}
			res := ts.do("GET", path, nil, as, nil)
			body := res.Body.String()
			if res.Code != 200 || !strings.Contains(body, "+07:00") || regexp.MustCompile(`\d\dZ"`).MatchString(body) {
				t.Errorf("%s: %d, times not in +07:00: %s", path, res.Code, body)
			}
		}
	})
}
