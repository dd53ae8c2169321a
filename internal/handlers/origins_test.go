package handlers

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/testdb"
)

// serverWithEnv is a second server over the same database whose origins and preview page are
// loaded from env, as TOASOAN_* variables: its webhook dispatcher takes them too. The tokens of
// ts work on it.
func (ts *testServer) serverWithEnv(env map[string]string) *testServer {
	ts.t.Helper()
	loaded, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		ts.t.Fatal(err)
	}
	cfg := ts.cfg
	cfg.SiteURL, cfg.PublicURL, cfg.MediaURL, cfg.PreviewURL = loaded.SiteURL, loaded.PublicURL, loaded.MediaURL, loaded.PreviewURL
	s := mustServer(ts.t, Deps{Config: cfg, Store: ts.store, HashParams: testHashParams, LoginDelay: noLoginDelay})
	return &testServer{Server: s, t: ts.t, db: ts.db, tokens: ts.tokens, ids: ts.ids, clock: ts.clock}
}

// Every link toasoan makes takes its origin: pages the site, the API's own links the public
// URL, media the media URL, preview links the preview page; with TOASOAN_BASE_URL alone, all
// are under it as they always were.
func TestOrigins(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base := newTestServer(t, db).withUsers()
		rcv := newReceiver(t)
		base.newWebhook(map[string]any{"url": rcv.URL, "events": []string{"article.published"}, "secret": "a-secret-of-the-receiver"})
		cat := base.createCategory("Tin mới", 0)
		cover := base.newMedia("2026/08/hoi-nghi.jpg")
		pdf := base.newMedia("2026/08/ke-hoach.pdf")
		announcement := base.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo", "body": "<p>Nội dung</p>",
			"status": "published", "attachment_ids": []int64{pdf}})

		for _, tc := range []struct {
			name                                string
			env                                 map[string]string
			site, api, media, previewPrefix, as string
		}{
			{name: "three origins and the frontend's preview page", env: map[string]string{
				"TOASOAN_SITE_URL": "https://mattran.org.vn", "TOASOAN_PUBLIC_URL": "https://api.mattran.org.vn",
				"TOASOAN_MEDIA_URL": "https://cdn.mattran.org.vn/anh/", "TOASOAN_PREVIEW_URL": "https://mattran.org.vn/xem-truoc/{token}?nhap=1",
			}, site: "https://mattran.org.vn", api: "https://api.mattran.org.vn", media: "https://cdn.mattran.org.vn/anh",
				previewPrefix: "https://mattran.org.vn/xem-truoc/"},
			{name: "only the base URL: as before", env: map[string]string{"TOASOAN_BASE_URL": "https://mattran.org.vn"},
				site: "https://mattran.org.vn", api: "https://mattran.org.vn", media: "https://mattran.org.vn/media",
				previewPrefix: "https://mattran.org.vn/api/v1/preview/articles/"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ts := base.serverWithEnv(tc.env)
				a := ts.published(map[string]any{"title": "Hội nghị " + tc.name, "category_id": cat, "cover_media_id": cover})
				ts.run([]scenario{
					{name: "a cover is read from the media origin", method: "GET", path: "/api/v1/articles/" + a.Slug, want: 200,
						fields: map[string]any{"data.cover.url": tc.media + "/2026/08/hoi-nghi.jpg"}},
					{name: "so is an attachment", method: "GET", path: fmt.Sprintf("/api/v1/admin/announcements/%d", announcement), as: "editor", want: 200,
						fields: map[string]any{"data.attachments.0.url": tc.media + "/2026/08/ke-hoach.pdf"}},
					{name: "and the library's items", method: "GET", path: fmt.Sprintf("/api/v1/admin/media/%d", cover), as: "editor", want: 200,
						fields: map[string]any{"data.url": tc.media + "/2026/08/hoi-nghi.jpg"}},
					{name: "the feed links the site, itself on the API, its enclosures to media", method: "GET", path: "/feeds/rss.xml", want: 200,
						check: func(t *testing.T, res *httptest.ResponseRecorder) {
							ch := decodeXML[testRSS](t, res).Channel
							item := ch.Items[0]
							if ch.Link != tc.site || ch.Self.Href != tc.api+"/feeds/rss.xml" || item.Link != tc.site+"/articles/"+a.Slug ||
								item.Enclosure == nil || item.Enclosure.URL != tc.media+"/2026/08/hoi-nghi.jpg" {
								t.Errorf("channel %q self %q, item %q enclosure %+v", ch.Link, ch.Self.Href, item.Link, item.Enclosure)
							}
						}},
					{name: "the sitemap lists the site's pages", method: "GET", path: "/sitemap.xml", want: 200,
						check: func(t *testing.T, res *httptest.ResponseRecorder) {
							for _, u := range decodeXML[testSitemap](t, res).URLs {
								if !strings.HasPrefix(u.Loc, tc.site+"/") {
									t.Errorf("%s is not on the site", u.Loc)
								}
							}
						}},
					{name: "a preview link opens the preview page", method: "POST", path: articlePath(a.ID, "/preview"), as: "editor", want: 200,
						check: func(t *testing.T, res *httptest.ResponseRecorder) {
							link := decode[previewLinkResponse](t, res).Data
							if want := strings.Replace(tc.env["TOASOAN_PREVIEW_URL"], "{token}", link.Token, 1); tc.env["TOASOAN_PREVIEW_URL"] != "" && link.URL != want {
								t.Errorf("url %q, want %q", link.URL, want)
							}
							if !strings.HasPrefix(link.URL, tc.previewPrefix+link.Token) {
								t.Errorf("url %q, want %s + the token", link.URL, tc.previewPrefix)
							}
						}},
				})
				ts.dispatch()
				got := rcv.take()
				if len(got) != 1 {
					t.Fatalf("%d deliveries, want 1", len(got))
				}
				payload := payloadOf(t, got[0], "a-secret-of-the-receiver")
				if url, _ := lookup(payload, "data.url"); url != tc.api+"/api/v1/articles/"+a.Slug {
					t.Errorf("data.url %v, want the article on the API", url)
				}
				if url, _ := lookup(payload, "data.page_url"); url != tc.site+"/articles/"+a.Slug {
					t.Errorf("data.page_url %v, want the article's page on the site", url)
				}
			})
		}
	})
}
