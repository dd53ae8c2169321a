package handlers

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// The three origins of the feed tests, unlike the default and unlike one another, so each link
// is seen to come from the right one.
const (
	testSiteURL    = "https://mattran.org.vn"
	testAPIURL     = "https://api.mattran.org.vn"
	testMediaURL   = "https://cdn.mattran.org.vn/anh"
	testPreviewURL = "https://mattran.org.vn/xem-truoc/{token}"
)

// withOrigins gives the server the feed tests' origins and preview page.
func (ts *testServer) withOrigins() *testServer {
	ts.cfg.SiteURL, ts.cfg.PublicURL, ts.cfg.MediaURL, ts.cfg.PreviewURL = testSiteURL, testAPIURL, testMediaURL, testPreviewURL
	return ts
}

// testRSS is how a feed reader sees an RSS document: parsed by namespace, not by prefix.
type testRSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		// Before Link: a field without a namespace would take atom:link too.
		Self struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		Description string `xml:"description"`
		Language    string `xml:"language"`
		Items       []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Value       string `xml:",chardata"`
			} `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
			Category    string `xml:"category"`
			Enclosure   *struct {
				URL    string `xml:"url,attr"`
				Type   string `xml:"type,attr"`
				Length int64  `xml:"length,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

type testSitemap struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
}

func decodeXML[T any](t *testing.T, res *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := xml.Unmarshal(res.Body.Bytes(), &v); err != nil {
		t.Fatalf("not well-formed: %v: %s", err, res.Body)
	}
	return v
}

// rssTitles checks the titles of a feed's items, in order.
func rssTitles(want ...string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		var got []string
		for _, item := range decodeXML[testRSS](t, res).Channel.Items {
			got = append(got, item.Title)
		}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("items %q, want %q", got, want)
		}
	}
}

func wantContentType(want string) func(t *testing.T, res *httptest.ResponseRecorder) {
	return func(t *testing.T, res *httptest.ResponseRecorder) {
		t.Helper()
		if got := res.Header().Get("Content-Type"); got != want {
			t.Errorf("Content-Type %q, want %q", got, want)
		}
	}
}

func TestRSSFeed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers().withOrigins()
		ts.tickingClock()
		front := ts.createCategory("Hoạt động Mặt trận", 0)
		local := ts.createCategory("Mặt trận địa phương", front)
		economy := ts.createCategory("Kinh tế", 0)

		ts.newArticle("author", map[string]any{"title": "Bản nháp", "category_id": front})
		pending := ts.newArticle("author", map[string]any{"title": "Chờ duyệt", "category_id": front})
		ts.do("POST", articlePath(pending.ID, "/submit"), nil, "author", nil)
		archived := ts.published(map[string]any{"title": "Đã lưu trữ", "category_id": front})
		ts.act(archived.ID, "archive", nil)
		scheduled := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ", "category_id": front})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})
		oldest := ts.published(map[string]any{"title": "Giá lúa tăng", "category_id": economy})
		ts.published(map[string]any{"title": "Hội nghị Ủy ban", "category_id": front})
		const title = `Ngày hội "Đại đoàn kết" & <toàn dân> tộc`
		const summary = `Tóm tắt: <b> & đủ dấu <img src=x onerror=alert(1)>`
		newest := ts.published(map[string]any{"title": title, "category_id": local, "summary": summary,
			"cover_media_id": ts.newMedia("2026/08/ngay-hoi.jpg")})
		all := rssTitles(title, "Hội nghị Ủy ban", "Giá lúa tăng")

		ts.run([]scenario{
			{name: "the published articles, newest first", method: "GET", path: "/feeds/rss.xml", want: 200,
				check: all},
			{name: "RSS headers", method: "GET", path: "/feeds/rss.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantContentType("application/rss+xml; charset=utf-8")(t, res)
					wantPublicCaching(t, res)
				}},
			{name: "the channel", method: "GET", path: "/feeds/rss.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					feed := decodeXML[testRSS](t, res)
					ch := feed.Channel
					if feed.Version != "2.0" || ch.Title != "Tin mới" || ch.Link != testSiteURL || ch.Language != "vi" || ch.Description == "" {
						t.Errorf("channel %q %q %q %q %q", feed.Version, ch.Title, ch.Link, ch.Language, ch.Description)
					}
					if ch.Self.Href != testAPIURL+"/feeds/rss.xml" || ch.Self.Rel != "self" || ch.Self.Type != "application/rss+xml" {
						t.Errorf("atom:link %+v", ch.Self)
					}
				}},
			{name: "an item", method: "GET", path: "/feeds/rss.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					item := decodeXML[testRSS](t, res).Channel.Items[0]
					if item.Link != testSiteURL+"/articles/"+newest.Slug {
						t.Errorf("link %q", item.Link)
					}
					if item.GUID.Value != fmt.Sprintf("toasoan:article:%d", newest.ID) || item.GUID.IsPermaLink != "false" {
						t.Errorf("guid %+v", item.GUID)
					}
					// One XML decoding gives HTML whose text is the summary: no element in it.
					if strings.ContainsAny(item.Description, "<>") || html.UnescapeString(item.Description) != summary || item.Category != "Mặt trận địa phương" {
						t.Errorf("description %q (as HTML, text %q), category %q", item.Description, html.UnescapeString(item.Description), item.Category)
					}
					published, err := time.Parse(time.RFC1123Z, item.PubDate)
					if err != nil || !published.Equal(newest.PublishedAt.Truncate(time.Second)) || !strings.HasSuffix(item.PubDate, " +0700") {
						t.Errorf("pubDate %q (%v), published at %v", item.PubDate, err, newest.PublishedAt)
					}
					e := item.Enclosure
					if e == nil || e.URL != testMediaURL+"/2026/08/ngay-hoi.jpg" || e.Type != "image/jpeg" || e.Length != 1000 {
						t.Errorf("enclosure %+v", e)
					}
					if other := decodeXML[testRSS](t, res).Channel.Items[2]; other.Enclosure != nil {
						t.Errorf("an article without a cover has an enclosure: %+v", other.Enclosure)
					}
				}},
			{name: "titles are escaped and Vietnamese text is kept as is", method: "GET", path: "/feeds/rss.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					body := res.Body.String()
					if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
						t.Errorf("no XML declaration: %.60s", body)
					}
					for _, want := range []string{"Đại đoàn kết&#34; &amp; &lt;toàn dân&gt; tộc", "Mặt trận địa phương", "đủ dấu"} {
						if !strings.Contains(body, want) {
							t.Errorf("%q not in %s", want, body)
						}
					}
					if decodeXML[testRSS](t, res).Channel.Items[0].Title != title {
						t.Error("the title does not read back")
					}
				}},
			{name: "a category includes its sub-categories", method: "GET", path: "/feeds/rss.xml?category=hoat-dong-mat-tran", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					rssTitles(title, "Hội nghị Ủy ban")(t, res)
					ch := decodeXML[testRSS](t, res).Channel
					if ch.Title != "Hoạt động Mặt trận" || ch.Link != testSiteURL+"/categories/hoat-dong-mat-tran" ||
						ch.Self.Href != testAPIURL+"/feeds/rss.xml?category=hoat-dong-mat-tran" {
						t.Errorf("channel %q %q %q", ch.Title, ch.Link, ch.Self.Href)
					}
				}},
			{name: "a sub-category", method: "GET", path: "/feeds/rss.xml?category=mat-tran-dia-phuong", want: 200,
				check: rssTitles(title)},
			{name: "another category", method: "GET", path: "/feeds/rss.xml?category=kinh-te", want: 200,
				check: rssTitles("Giá lúa tăng")},
			{name: "an unknown category is 404", method: "GET", path: "/feeds/rss.xml?category=khong-co", want: 404,
				fields: map[string]any{"code": "not_found"}, check: wantContentType("application/problem+json")},
			{name: "tracking parameters of shared links are ignored", method: "GET",
				path: "/feeds/rss.xml?category=kinh-te&utm_source=zalo&fbclid=IwAR0x&zarsrc=31", want: 200, check: rssTitles("Giá lúa tăng")},
			{name: "a bad value of a known parameter is still 400", method: "GET", path: "/feeds/rss.xml?category=kinh-te&category=x&utm_source=zalo", want: 400,
				check: wantFields("category")},
			{name: "the sitemap ignores them too", method: "GET", path: "/sitemap.xml?utm_source=facebook&fbclid=IwAR0x", want: 200},
			{name: "JSON API routes stay strict", method: "GET", path: "/api/v1/articles?utm_source=zalo", want: 400,
				check: wantFields("utm_source")},
			{name: "a repeated category is 400", method: "GET", path: "/feeds/rss.xml?category=kinh-te&category=hoat-dong-mat-tran", want: 400,
				check: wantFields("category")},
			{name: "the API path is not the feed", method: "GET", path: "/api/v1/feeds/rss.xml", want: 404},
		})

		first := ts.do("GET", "/feeds/rss.xml", nil, "", nil)
		if again := ts.do("GET", "/feeds/rss.xml", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")}); again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d with %d bytes, want an empty 304", again.Code, again.Body.Len())
		}
		ts.act(oldest.ID, "unpublish", nil)
		changed := ts.do("GET", "/feeds/rss.xml", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")})
		if changed.Code != 200 {
			t.Fatalf("a changed feed answered If-None-Match with %d", changed.Code)
		}
		rssTitles(title, "Hội nghị Ủy ban")(t, changed)
	})
}

func TestRSSFeedHoldsTheNewest50(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		ts.tickingClock()
		cat := ts.createCategory("Tin mới", 0)
		var want []string
		for i := 1; i <= rssItems+1; i++ {
			title := fmt.Sprintf("Tin số %d", i)
			ts.published(map[string]any{"title": title, "category_id": cat})
			want = append([]string{title}, want...)
		}
		ts.run([]scenario{
			{name: "50 newest", method: "GET", path: "/feeds/rss.xml", want: 200, check: rssTitles(want[:rssItems]...)},
		})
	})
}

func TestSitemap(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers().withOrigins()
		ts.tickingClock()
		news := ts.createCategory("Tin tức", 0)
		ts.createCategory("Sự kiện", news)

		ts.newArticle("author", map[string]any{"title": "Bản nháp", "category_id": news})
		pending := ts.newArticle("author", map[string]any{"title": "Chờ duyệt", "category_id": news})
		ts.do("POST", articlePath(pending.ID, "/submit"), nil, "author", nil)
		archived := ts.published(map[string]any{"title": "Đã lưu trữ", "category_id": news})
		ts.act(archived.ID, "archive", nil)
		scheduled := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ", "category_id": news})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})
		older := ts.published(map[string]any{"title": "Đã đăng", "category_id": news})
		newer := ts.published(map[string]any{"title": "Tin mới hơn", "category_id": news})

		at := func(d time.Duration) string { return ts.now().Add(d).Format(time.RFC3339) }
		for _, a := range []map[string]any{
			{"slug": "dang-hieu-luc", "starts_at": at(-time.Hour)},
			{"slug": "thong-bao-nhap", "starts_at": at(-time.Hour), "status": "draft"},
			{"slug": "chua-bat-dau", "starts_at": at(24 * time.Hour)},
			{"slug": "da-ket-thuc", "starts_at": at(-2 * time.Hour), "ends_at": at(-time.Hour)},
		} {
			a["title"], a["body"] = "Thông báo "+a["slug"].(string), "<p>Nội dung</p>"
			if a["status"] == nil {
				a["status"] = "published"
			}
			ts.create("/api/v1/admin/announcements", a)
		}
		issued := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published"}))
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": "06/2024/QĐ-MTTW", "status": "draft"}))

		ts.run([]scenario{
			{name: "every public page and nothing else", method: "GET", path: "/sitemap.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantContentType("application/xml; charset=utf-8")(t, res)
					wantPublicCaching(t, res)
					var got []string
					for _, u := range decodeXML[testSitemap](t, res).URLs {
						got = append(got, strings.TrimPrefix(u.Loc, testSiteURL))
						if lastMod, err := time.Parse(time.RFC3339, u.LastMod); err != nil || lastMod.IsZero() || !strings.HasSuffix(u.LastMod, "+07:00") {
							t.Errorf("%s: lastmod %q (%v)", u.Loc, u.LastMod, err)
						}
					}
					want := []string{"/categories/tin-tuc", "/categories/su-kien", "/announcements/dang-hieu-luc",
						fmt.Sprintf("/documents/%d", issued), "/articles/tin-moi-hon", "/articles/da-dang"}
					if strings.Join(got, " ") != strings.Join(want, " ") {
						t.Errorf("URLs %v, want %v", got, want)
					}
				}},
			{name: "an article's lastmod is when it last changed", method: "GET", path: "/sitemap.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					for _, u := range decodeXML[testSitemap](t, res).URLs {
						if u.Loc == testSiteURL+"/articles/"+newer.Slug && u.LastMod != newer.UpdatedAt.Format(time.RFC3339) {
							t.Errorf("lastmod %q, updated at %s", u.LastMod, newer.UpdatedAt.Format(time.RFC3339))
						}
					}
				}},
			{name: "unknown parameters are ignored, as on every link readers share", method: "GET", path: "/sitemap.xml?page=1&utm_source=zalo", want: 200},
		})

		first := ts.do("GET", "/sitemap.xml", nil, "", nil)
		if again := ts.do("GET", "/sitemap.xml", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")}); again.Code != 304 || again.Body.Len() != 0 {
			t.Errorf("If-None-Match: %d with %d bytes, want an empty 304", again.Code, again.Body.Len())
		}
		ts.act(older.ID, "archive", nil)
		if changed := ts.do("GET", "/sitemap.xml", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")}); changed.Code != 200 ||
			strings.Contains(changed.Body.String(), "/articles/da-dang") {
			t.Errorf("after archiving: %d %s", changed.Code, changed.Body)
		}

		// The store reads at most the room left under the sitemap's limit, newest first.
		ctx := context.Background()
		if list, err := ts.store.ArticleSitemap(ctx, ts.now(), 1); err != nil || len(list) != 1 || list[0].Slug != newer.Slug || list[0].ID != newer.ID {
			t.Errorf("newest article: %+v %v", list, err)
		}
		if list, err := ts.store.DocumentSitemap(ctx, 0); err != nil || len(list) != 0 {
			t.Errorf("no room left: %+v %v", list, err)
		}
	})
}

// The response cache keeps each body's content type: a hit replays XML as XML.
func TestFeedsFromTheResponseCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Tin đầu tiên", "category_id": cat})
		ts.withCache(time.Minute)
		reads, _ := countQueries(db)
		for _, tc := range []struct{ path, contentType string }{
			{"/feeds/rss.xml", "application/rss+xml; charset=utf-8"},
			{"/sitemap.xml", "application/xml; charset=utf-8"},
			{"/api/v1/articles", "application/json"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				first := ts.do("GET", tc.path, nil, "", nil)
				before := reads.Load()
				hit := ts.do("GET", tc.path, nil, "", nil)
				if reads.Load() != before {
					t.Errorf("the second read ran %d queries: not from the cache", reads.Load()-before)
				}
				if hit.Code != 200 || hit.Body.String() != first.Body.String() || hit.Header().Get("ETag") != first.Header().Get("ETag") {
					t.Errorf("hit: %d %s", hit.Code, hit.Body)
				}
				wantContentType(tc.contentType)(t, first)
				wantContentType(tc.contentType)(t, hit)
				wantPublicCaching(t, hit)
			})
		}
		// A write through this server shows in the next feed.
		ts.published(map[string]any{"title": "Tin thứ hai", "category_id": cat})
		rssTitles("Tin thứ hai", "Tin đầu tiên")(t, ts.do("GET", "/feeds/rss.xml", nil, "", nil))
	})
}

// The feeds over the benchmark site's 10,000 published articles, without the response cache:
//
//	TOASOAN_TEST_DATABASE_URL='postgres://…' go test ./internal/handlers -run '^$' -bench Feeds
func BenchmarkFeeds(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, site benchSite) {
		for _, bc := range []struct{ name, path string }{
			{"rss", "/feeds/rss.xml"},
			{"rss_category_tree", "/feeds/rss.xml?category=" + site.root},
			{"sitemap", "/sitemap.xml"},
		} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					site.get(b, bc.path)
				}
				reportRate(b)
			})
		}
	})
}
