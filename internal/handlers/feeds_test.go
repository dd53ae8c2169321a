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
			// By namespace, so the prefixes must be declared for these to be read at all.
			Creator    string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Content    string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Categories []struct {
				Domain string `xml:"domain,attr"`
				Value  string `xml:",chardata"`
			} `xml:"category"`
			Enclosure *struct {
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
			"cover_media_id": ts.newMedia("2026/08/ngay-hoi.jpg"), "byline": "Minh Anh", "tags": []string{"Bầu cử", "Đại hội"},
			"body": `<p onclick="x()">Toàn văn <b>đậm</b> ]]> hết</p><script>alert(1)</script>`})
		tagged := ts.published(map[string]any{"title": "Bầu cử ở xã", "category_id": economy, "tags": []string{"Bầu cử"}})
		ts.act(tagged.ID, "archive", nil)
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
					if strings.ContainsAny(item.Description, "<>") || html.UnescapeString(item.Description) != summary || len(item.Categories) != 1 || item.Categories[0].Value != "Mặt trận địa phương" {
						t.Errorf("description %q (as HTML, text %q), categories %+v", item.Description, html.UnescapeString(item.Description), item.Categories)
					}
					// The full body, sanitised as stored, read back as HTML from its CDATA.
					if item.Content != "<p>Toàn văn <b>đậm</b> ]]&gt; hết</p>" || item.Creator != "Minh Anh" {
						t.Errorf("content:encoded %q, dc:creator %q", item.Content, item.Creator)
					}
					if other := decodeXML[testRSS](t, res).Channel.Items[1]; other.Creator != "Người dùng editor" || other.Content != "" ||
						strings.Contains(res.Body.String(), "<content:encoded></content:encoded>") {
						t.Errorf("without a byline dc:creator is the author's name (%q), and without a body there is no content:encoded", other.Creator)
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
			{name: "a tag's articles", method: "GET", path: "/feeds/rss.xml?tag=bau-cu", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					rssTitles(title)(t, res)
					ch := decodeXML[testRSS](t, res).Channel
					if ch.Title != "Bầu cử" || ch.Link != testSiteURL+"/tags/bau-cu" || ch.Self.Href != testAPIURL+"/feeds/rss.xml?tag=bau-cu" {
						t.Errorf("channel %q %q %q", ch.Title, ch.Link, ch.Self.Href)
					}
					for _, key := range []string{"tags", "article-" + itoa(newest.ID)} {
						if !strings.Contains(" "+res.Header().Get("Surrogate-Key")+" ", " "+key+" ") {
							t.Errorf("Surrogate-Key %q lacks %s", res.Header().Get("Surrogate-Key"), key)
						}
					}
				}},
			{name: "an unknown tag is 404 like a category", method: "GET", path: "/feeds/rss.xml?tag=khong-co", want: 404,
				fields: map[string]any{"code": "not_found"}, check: wantContentType("application/problem+json")},
			{name: "a category and a tag together are 400", method: "GET", path: "/feeds/rss.xml?category=kinh-te&tag=bau-cu", want: 400,
				check: wantFields("tag")},
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

func TestAnnouncementAndDocumentFeeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers().withOrigins()
		ts.tickingClock()
		at := func(d time.Duration) string { return ts.now().Add(d).Format(time.RFC3339) }
		plan := ts.seedMedia("ke-hoach.pdf", "application/pdf")
		form := ts.seedMedia("mau-don.pdf", "application/pdf")
		for _, a := range []map[string]any{
			{"slug": "tuyen-dung", "starts_at": at(-2 * time.Hour), "attachment_ids": []int64{plan, form}},
			{"slug": "ghim", "starts_at": at(-3 * time.Hour), "pinned": true},
			{"slug": "nhap", "starts_at": at(-time.Hour), "status": "draft"},
			{"slug": "chua-bat-dau", "starts_at": at(24 * time.Hour)},
			{"slug": "da-ket-thuc", "starts_at": at(-2 * time.Hour), "ends_at": at(-time.Hour)},
		} {
			a["title"], a["body"] = "Thông báo "+a["slug"].(string), `<p>Nội dung <a href="https://mattran.org.vn/x" onclick="x()">chi tiết</a></p>`
			if a["status"] == nil {
				a["status"] = "published"
			}
			ts.create("/api/v1/admin/announcements", a)
		}
		older := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": "03/2024/QĐ-MTTW", "issued_on": "2024-03-01", "status": "published"}))
		newer := ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published", "attachment_ids": []int64{plan, form}}))
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": "06/2024/QĐ-MTTW", "status": "draft"}))

		ts.run([]scenario{
			{name: "announcements: the active ones, pinned first", method: "GET", path: "/feeds/announcements.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantContentType("application/rss+xml; charset=utf-8")(t, res)
					wantPublicCaching(t, res)
					rssTitles("Thông báo ghim", "Thông báo tuyen-dung")(t, res)
					ch := decodeXML[testRSS](t, res).Channel
					if ch.Title != "Thông báo" || ch.Link != testSiteURL+"/announcements" || ch.Self.Href != testAPIURL+"/feeds/announcements.xml" {
						t.Errorf("channel %q %q %q", ch.Title, ch.Link, ch.Self.Href)
					}
					item := ch.Items[1]
					body := `<p>Nội dung <a href="https://mattran.org.vn/x" rel="nofollow">chi tiết</a></p>`
					if item.Link != testSiteURL+"/announcements/tuyen-dung" || !strings.HasPrefix(item.GUID.Value, "toasoan:announcement:") ||
						item.GUID.IsPermaLink != "false" || !strings.HasSuffix(item.PubDate, " +0700") {
						t.Errorf("item %+v", item)
					}
					if !strings.HasPrefix(item.Description, "<p>Nội dung") || strings.Contains(item.Description, "onclick") ||
						!strings.HasPrefix(item.Content, item.Description) || !strings.Contains(item.Content, `ke-hoach.pdf</a></li>`) ||
						!strings.Contains(item.Content, `mau-don.pdf</a></li>`) {
						t.Errorf("description %q, content %q (want the body %q, then the files)", item.Description, item.Content, body)
					}
					if e := item.Enclosure; e == nil || !strings.HasPrefix(e.URL, testMediaURL+"/") || !strings.HasSuffix(e.URL, "ke-hoach.pdf") ||
						e.Type != "application/pdf" || e.Length != 1234 {
						t.Errorf("enclosure %+v, want the first file", e)
					}
					if ch.Items[0].Enclosure != nil {
						t.Errorf("an announcement without files has an enclosure")
					}
				}},
			{name: "documents: the published ones, newest issued first", method: "GET", path: "/feeds/documents.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					wantContentType("application/rss+xml; charset=utf-8")(t, res)
					wantPublicCaching(t, res)
					ch := decodeXML[testRSS](t, res).Channel
					if len(ch.Items) != 2 || ch.Title != "Văn bản" || ch.Link != testSiteURL+"/documents" || ch.Self.Href != testAPIURL+"/feeds/documents.xml" {
						t.Fatalf("channel %q %q %q, %d items", ch.Title, ch.Link, ch.Self.Href, len(ch.Items))
					}
					item := ch.Items[0]
					if item.Title != "Quyết định ban hành Quy chế làm việc" || item.Link != fmt.Sprintf("%s/documents/%d", testSiteURL, newer) ||
						item.GUID.Value != fmt.Sprintf("toasoan:document:%d", newer) || item.PubDate != "Fri, 10 May 2024 00:00:00 +0700" {
						t.Errorf("item %q %q %q %q", item.Title, item.Link, item.GUID.Value, item.PubDate)
					}
					var categories []string
					for _, c := range item.Categories {
						categories = append(categories, c.Domain+"="+c.Value)
					}
					if want := "number=05/2024/QĐ-MTTW type=Quyết định issuer=" + issuerMTTW; strings.Join(categories, " ") != want {
						t.Errorf("categories %q, want %q", categories, want)
					}
					if want := "Số 05/2024/QĐ-MTTW, Quyết định của " + issuerMTTW + ", ban hành ngày 10/05/2024."; html.UnescapeString(item.Description) != want {
						t.Errorf("description %q, want %q", item.Description, want)
					}
					if !strings.Contains(item.Content, "ke-hoach.pdf</a></li><li>") || item.Enclosure == nil || !strings.HasSuffix(item.Enclosure.URL, "ke-hoach.pdf") {
						t.Errorf("content %q, enclosure %+v", item.Content, item.Enclosure)
					}
					if other := ch.Items[1]; other.GUID.Value != fmt.Sprintf("toasoan:document:%d", older) || other.Enclosure != nil || strings.Contains(other.Content, "<ul>") {
						t.Errorf("the older document: %+v", other)
					}
				}},
			{name: "announcements: shared links' parameters are ignored", method: "GET", path: "/feeds/announcements.xml?utm_source=zalo", want: 200},
			{name: "documents: so are they", method: "GET", path: "/feeds/documents.xml?fbclid=IwAR0x", want: 200},
			{name: "not under the API", method: "GET", path: "/api/v1/feeds/documents.xml", want: 404},
		})

		// An announcement whose window closes leaves the feed.
		first := ts.do("GET", "/feeds/announcements.xml", nil, "", nil)
		ts.setClock(func() time.Time { return testdb.Epoch.Add(48 * time.Hour) })
		rssTitles("Thông báo ghim", "Thông báo chua-bat-dau", "Thông báo tuyen-dung")(t, ts.do("GET", "/feeds/announcements.xml", nil, "", nil))
		if again := ts.do("GET", "/feeds/announcements.xml", nil, "", map[string]string{"If-None-Match": first.Header().Get("ETag")}); again.Code != 200 {
			t.Errorf("a changed feed answered If-None-Match with %d", again.Code)
		}
	})
}

// The response cache keeps each body's content type: a hit replays XML as XML.
func TestFeedsFromTheResponseCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.published(map[string]any{"title": "Tin đầu tiên", "category_id": cat, "tags": []string{"Đầu tiên"}})
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo đầu tiên", "body": "<p>Nội dung</p>", "status": "published"})
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{"status": "published"}))
		ts.withCache(time.Minute)
		reads, _ := countQueries(db)
		for _, tc := range []struct{ path, contentType string }{
			{"/feeds/rss.xml", "application/rss+xml; charset=utf-8"},
			{"/sitemap.xml", "application/xml; charset=utf-8"},
			{"/feeds/rss.xml?tag=dau-tien", "application/rss+xml; charset=utf-8"},
			{"/feeds/announcements.xml", "application/rss+xml; charset=utf-8"},
			{"/feeds/documents.xml", "application/rss+xml; charset=utf-8"},
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
		ts.published(map[string]any{"title": "Tin thứ ba", "category_id": cat, "tags": []string{"Đầu tiên"}})
		rssTitles("Tin thứ ba", "Tin đầu tiên")(t, ts.do("GET", "/feeds/rss.xml?tag=dau-tien", nil, "", nil))
		ts.create("/api/v1/admin/announcements", map[string]any{"title": "Thông báo thứ hai", "body": "<p>Nội dung</p>", "status": "published"})
		rssTitles("Thông báo thứ hai", "Thông báo đầu tiên")(t, ts.do("GET", "/feeds/announcements.xml", nil, "", nil))
		ts.create("/api/v1/admin/documents", documentBody(map[string]any{"number": "07/2024/QĐ-MTTW", "title": "Văn bản thứ hai", "issued_on": "2024-06-01", "status": "published"}))
		rssTitles("Văn bản thứ hai", "Quyết định ban hành Quy chế làm việc")(t, ts.do("GET", "/feeds/documents.xml", nil, "", nil))
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

// A tag only drafts (or scheduled articles not yet live) carry is no one's business: its feed is
// 404, as for a tag that does not exist, and shows nothing of its name.
func TestTagFeedOfAnUnpublishedTagIsNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": cat, "tags": []string{"Bí mật Đảng"}})
		for _, p := range []string{"/feeds/rss.xml?tag=bi-mat-dang", "/feeds/rss.xml?tag=khong-co"} {
			res := ts.do("GET", p, nil, "", nil)
			if res.Code != 404 || strings.Contains(res.Body.String(), "Bí mật") {
				t.Errorf("GET %s: %d %s", p, res.Code, res.Body)
			}
		}
	})
}
