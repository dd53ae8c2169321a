package handlers

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/htmlsafe"
	"github.com/toasoan/toasoan/internal/testdb"
)

// TestArticleEmbeds: an embed of an allowed provider survives the write as a sandboxed iframe,
// in the editorial and the public article; any other iframe is stripped.
func TestArticleEmbeds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Video", 0)
		youtube := `<p>Xem video:</p><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube" frameborder="0" allow="autoplay" allowfullscreen></iframe>`
		kept := `<p>Xem video:</p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" title="YouTube" sandbox="` +
			htmlsafe.EmbedSandbox + `" loading="lazy" allowfullscreen=""></iframe>`
		good := ts.published(map[string]any{"title": "Có video", "category_id": cat, "body": youtube})
		evil := ts.published(map[string]any{"title": "Khung lạ", "category_id": cat,
			"body": `<p>Tin</p><iframe src="https://evil.example/embed/x" onload="alert(1)">xem</iframe><iframe src="javascript:alert(1)"></iframe>`})
		ts.run([]scenario{
			{name: "the editorial article keeps the youtube embed", method: "GET", path: articlePath(good.ID, ""), as: "editor", want: 200,
				fields: map[string]any{"data.body": kept}},
			{name: "so does the public one", method: "GET", path: "/api/v1/articles/co-video", want: 200,
				fields: map[string]any{"data.body": kept}},
			{name: "an evil iframe is gone", method: "GET", path: articlePath(evil.ID, ""), as: "editor", want: 200,
				fields: map[string]any{"data.body": "<p>Tin</p>"}},
		})
		if strings.Contains(evil.Body, "iframe") {
			t.Errorf("the write answered with the iframe: %q", evil.Body)
		}
	})
}

// TestArticleSEO: the SEO fields are stored as sent and validated, the public article gives
// them with their defaults, revisions keep them, and a noindex article leaves the sitemap.
func TestArticleSEO(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		cover := ts.newMedia("bia.jpg")
		og := ts.newMedia("chia-se.jpg")
		pdf := ts.seedMedia("ke-hoach.pdf", "application/pdf")
		plain := ts.published(map[string]any{"title": "Tin thường", "summary": "Tóm tắt", "category_id": cat, "cover_media_id": cover})
		seo := ts.newArticle("editor", map[string]any{"title": "Tin chia sẻ", "category_id": cat, "cover_media_id": cover,
			"meta_title": " Tiêu đề SEO ", "meta_description": "Mô tả SEO", "canonical_url": "https://baogoc.vn/tin-goc",
			"og_image_media_id": og, "noindex": true})
		ts.act(seo.ID, "publish", nil)
		long := strings.Repeat("ạ", 301)
		ts.run([]scenario{
			{name: "the stored values in the editorial article", method: "GET", path: articlePath(seo.ID), as: "editor", want: 200,
				fields: map[string]any{"data.meta_title": "Tiêu đề SEO", "data.meta_description": "Mô tả SEO",
					"data.canonical_url": "https://baogoc.vn/tin-goc", "data.og_image_media_id": og, "data.noindex": true,
					"data.og_image.url": "http://localhost:8080/media/chia-se.jpg", "data.og_image.width": 1200}},
			{name: "empty when not set", method: "GET", path: articlePath(plain.ID), as: "editor", want: 200,
				fields: map[string]any{"data.meta_title": "", "data.canonical_url": "", "data.og_image": nil, "data.og_image_media_id": nil, "data.noindex": false}},
			{name: "the public seo block of set values", method: "GET", path: "/api/v1/articles/tin-chia-se", want: 200,
				fields: map[string]any{"data.seo.title": "Tiêu đề SEO", "data.seo.description": "Mô tả SEO",
					"data.seo.canonical_url": "https://baogoc.vn/tin-goc", "data.seo.image.url": "http://localhost:8080/media/chia-se.jpg",
					"data.seo.image.height": 800, "data.seo.noindex": true}},
			{name: "defaults: title, summary, the site's page, the cover", method: "GET", path: "/api/v1/articles/tin-thuong", want: 200,
				fields: map[string]any{"data.seo.title": "Tin thường", "data.seo.description": "Tóm tắt",
					"data.seo.canonical_url": "http://localhost:8080/articles/tin-thuong", "data.seo.image.url": "http://localhost:8080/media/bia.jpg",
					"data.seo.noindex": false}},
			{name: "lists leave seo out", method: "GET", path: "/api/v1/articles", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if strings.Contains(res.Body.String(), `"seo"`) {
						t.Errorf("a list item has seo: %s", res.Body)
					}
				}},
			{name: "a noindex article is left out of the sitemap", method: "GET", path: "/sitemap.xml", want: 200,
				check: func(t *testing.T, res *httptest.ResponseRecorder) {
					if body := res.Body.String(); strings.Contains(body, "tin-chia-se") || !strings.Contains(body, "tin-thuong") {
						t.Errorf("sitemap: %s", body)
					}
				}},
			{name: "bad values are 422 naming each field", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body:  map[string]any{"title": "Sai", "category_id": cat, "meta_title": long, "meta_description": strings.Repeat("a", 501), "og_image_media_id": 0},
				check: wantFields("meta_title", "meta_description", "og_image_media_id")},
			{name: "a canonical URL must be absolute http(s)", method: "POST", path: "/api/v1/admin/articles", as: "editor", want: 422,
				body: map[string]any{"title": "Sai", "category_id": cat, "canonical_url": "/articles/x"}, check: wantFields("canonical_url")},
			{name: "javascript is no canonical URL", method: "PATCH", path: articlePath(plain.ID), as: "editor", want: 422, headers: ifMatch(plain.Version),
				body: map[string]any{"canonical_url": "javascript:alert(1)"}, check: wantFields("canonical_url")},
			{name: "the image must exist", method: "PATCH", path: articlePath(plain.ID), as: "editor", want: 422, headers: ifMatch(plain.Version),
				body: map[string]any{"og_image_media_id": 99999}, check: wantFields("og_image_media_id")},
			{name: "and be an image", method: "PATCH", path: articlePath(plain.ID), as: "editor", want: 422, headers: ifMatch(plain.Version),
				body: map[string]any{"og_image_media_id": pdf}, check: wantFields("og_image_media_id")},
		})

		// A preview shows the seo block as the published article will.
		draft := ts.newArticle("editor", map[string]any{"title": "Bản nháp", "summary": "Sắp đăng", "category_id": cat})
		res := ts.do("POST", articlePath(draft.ID, "/preview"), nil, "editor", nil)
		if res.Code != 201 && res.Code != 200 {
			t.Fatalf("preview: %d %s", res.Code, res.Body)
		}
		token := decode[previewLinkResponse](t, res).Data.Token
		ts.run([]scenario{
			{name: "the preview's seo block", method: "GET", path: "/api/v1/preview/articles/" + token, want: 200,
				fields: map[string]any{"data.seo.title": "Bản nháp", "data.seo.description": "Sắp đăng", "data.seo.image": nil,
					"data.category.path.0.slug": "tin-moi"}},
		})

		// Revisions keep the SEO fields, and restoring brings them back.
		cur := ts.do("GET", articlePath(seo.ID), nil, "editor", nil)
		v := decode[editorialArticleResponse](t, cur).Data.Version
		ts.run([]scenario{
			{name: "a change of the SEO fields", method: "PATCH", path: articlePath(seo.ID), as: "editor", want: 200, headers: ifMatch(v),
				body:   map[string]any{"meta_title": "", "og_image_media_id": nil, "noindex": false, "canonical_url": ""},
				fields: map[string]any{"data.meta_title": "", "data.og_image": nil, "data.noindex": false}},
			{name: "now the defaults", method: "GET", path: "/api/v1/articles/tin-chia-se", want: 200,
				fields: map[string]any{"data.seo.title": "Tin chia sẻ", "data.seo.image.url": "http://localhost:8080/media/bia.jpg",
					"data.seo.canonical_url": "http://localhost:8080/articles/tin-chia-se"}},
			{name: "the first revision holds them", method: "GET", path: articlePath(seo.ID, "/revisions/1"), as: "editor", want: 200,
				fields: map[string]any{"data.snapshot.meta_title": "Tiêu đề SEO", "data.snapshot.og_image_media_id": og, "data.snapshot.noindex": true}},
			{name: "restoring it brings them back", method: "POST", path: articlePath(seo.ID, "/revisions/1/restore"), as: "editor", want: 200,
				headers: ifMatch(v + 1),
				fields:  map[string]any{"data.meta_title": "Tiêu đề SEO", "data.og_image_media_id": og, "data.noindex": true, "data.canonical_url": "https://baogoc.vn/tin-goc"}},
		})
	})
}

// TestArticleReadingTime: word_count and reading_time are counted from the body's text at
// every write, and shown in every view.
func TestArticleReadingTime(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		words := strings.Repeat("<p>Mặt trận <b>Tổ quốc</b> Việt Nam</p>", 90) // 6 words × 90 = 540
		a := ts.published(map[string]any{"title": "Bài dài", "category_id": cat, "body": words +
			`<iframe src="https://www.youtube.com/embed/x">không đếm</iframe><script>nor this</script>`})
		empty := ts.published(map[string]any{"title": "Không thân bài", "category_id": cat})
		ts.run([]scenario{
			{name: "editorial", method: "GET", path: articlePath(a.ID), as: "editor", want: 200,
				fields: map[string]any{"data.word_count": 540, "data.reading_time": 3}},
			{name: "public detail", method: "GET", path: "/api/v1/articles/bai-dai", want: 200,
				fields: map[string]any{"data.word_count": 540, "data.reading_time": 3}},
			{name: "an empty body takes no time", method: "GET", path: "/api/v1/articles/khong-than-bai", want: 200,
				fields: map[string]any{"data.word_count": 0, "data.reading_time": 0}},
			{name: "public list", method: "GET", path: "/api/v1/articles?per_page=1", want: 200,
				fields: map[string]any{"data.0.slug": "khong-than-bai", "data.0.reading_time": 0}},
			{name: "one word is a minute", method: "PATCH", path: articlePath(empty.ID), as: "editor", want: 200, headers: ifMatch(empty.Version),
				body: map[string]any{"body": "<p>Một</p>"}, fields: map[string]any{"data.word_count": 1, "data.reading_time": 1}},
			{name: "editorial list", method: "GET", path: "/api/v1/admin/articles?q=bai+dai", as: "editor", want: 200,
				fields: map[string]any{"data.0.word_count": 540, "data.0.reading_time": 3}},
		})
	})
}

// TestBreadcrumbsAndCategoryCounts: articles and categories carry the category's path from the
// root; categories count the public articles of their sub-tree, which change on publish and
// unpublish and when a scheduled article's time comes, with no write.
func TestBreadcrumbsAndCategoryCounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		jump := ts.tickingClock()
		news := ts.createCategory("Tin tức", 0)
		home := ts.createCategory("Trong nước", news)
		local := ts.createCategory("Địa phương", home)
		ts.createCategory("Quốc tế", news)
		leaf := ts.published(map[string]any{"title": "Tin địa phương", "category_id": local})
		ts.published(map[string]any{"title": "Tin trong nước", "category_id": home})
		draft := ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": local})
		scheduled := ts.newArticle("editor", map[string]any{"title": "Hẹn giờ", "category_id": local})
		ts.act(scheduled.ID, "publish", map[string]any{"publish_at": ts.now().Add(time.Hour)})
		path := map[string]any{"path.0.slug": "tin-tuc", "path.1.slug": "trong-nuoc", "path.2.slug": "dia-phuong", "path.2.id": local, "path.2.name": "Địa phương"}
		prefixed := func(prefix string, extra map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range path {
				out[prefix+k] = v
			}
			for k, v := range extra {
				out[k] = v
			}
			return out
		}
		ts.run([]scenario{
			{name: "the public article's category path", method: "GET", path: "/api/v1/articles/tin-dia-phuong", want: 200,
				fields: prefixed("data.category.", nil)},
			{name: "in public list items", method: "GET", path: "/api/v1/articles?category=dia-phuong", want: 200,
				fields: prefixed("data.0.category.", map[string]any{"meta.pagination.total": 1})},
			{name: "in the editorial article", method: "GET", path: articlePath(leaf.ID), as: "editor", want: 200,
				fields: prefixed("data.category.", nil)},
			{name: "in the editorial list", method: "GET", path: "/api/v1/admin/articles?q=tin+dia+phuong", as: "editor", want: 200,
				fields: prefixed("data.0.category.", nil)},
			{name: "in a write's answer", method: "PATCH", path: articlePath(draft.ID), as: "editor", want: 200, headers: ifMatch(draft.Version),
				body: map[string]any{"summary": "x"}, fields: prefixed("data.category.", nil)},
			{name: "a root's path is itself", method: "GET", path: "/api/v1/categories/tin-tuc", want: 200,
				fields: map[string]any{"data.path.0.slug": "tin-tuc", "data.path.0.id": news, "data.article_count": 2,
					"data.children.0.article_count": 2, "data.children.0.path.1.slug": "trong-nuoc", "data.children.1.article_count": 0}},
			{name: "a category page", method: "GET", path: "/api/v1/categories/dia-phuong", want: 200,
				fields: prefixed("data.", map[string]any{"data.article_count": 1})},
			{name: "the tree", method: "GET", path: "/api/v1/categories", want: 200,
				fields: map[string]any{"data.0.article_count": 2, "data.0.children.0.children.0.article_count": 1,
					"data.0.children.0.children.0.path.2.slug": "dia-phuong"}},
		})

		jump(2 * time.Hour) // the scheduled article comes out with no write
		ts.run([]scenario{
			{name: "counted at its time", method: "GET", path: "/api/v1/categories/dia-phuong", want: 200,
				fields: map[string]any{"data.article_count": 2}},
			{name: "and up the tree", method: "GET", path: "/api/v1/categories/tin-tuc", want: 200,
				fields: map[string]any{"data.article_count": 3}},
		})
		ts.act(leaf.ID, "unpublish", nil)
		ts.run([]scenario{
			{name: "an unpublished article no longer counts", method: "GET", path: "/api/v1/categories", want: 200,
				fields: map[string]any{"data.0.article_count": 2, "data.0.children.0.children.0.article_count": 1}},
		})
	})
}

// TestPublicTagPage: a tag's public page gives its description and public article count,
// cached like the other public reads; the description is edited through /admin/tags with the
// tag's version.
func TestPublicTagPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		cat := ts.createCategory("Tin mới", 0)
		res := ts.do("POST", "/api/v1/admin/tags", map[string]any{"name": "Đại hội", "description": "Tin đại hội"}, "editor", nil)
		if res.Code != 201 {
			t.Fatalf("create tag: %d %s", res.Code, res.Body)
		}
		tag := decode[adminTagResponse](t, res).Data
		ts.published(map[string]any{"title": "Khai mạc", "category_id": cat, "tags": []string{"Đại hội"}})
		ts.newArticle("editor", map[string]any{"title": "Bản nháp", "category_id": cat, "tags": []string{"Đại hội", "Bí mật"}})
		ts.run([]scenario{
			{name: "the tag page", method: "GET", path: "/api/v1/tags/dai-hoi", want: 200,
				fields: map[string]any{"data.slug": "dai-hoi", "data.name": "Đại hội", "data.description": "Tin đại hội", "data.article_count": 1},
				check:  wantPublicCaching},
			{name: "the list gives the description too", method: "GET", path: "/api/v1/tags", want: 200,
				fields: map[string]any{"data.0.slug": "dai-hoi", "data.0.description": "Tin đại hội", "data.0.article_count": 1}},
			{name: "an unknown tag is 404", method: "GET", path: "/api/v1/tags/khong-co", want: 404},
			{name: "a tag only a draft carries is 404", method: "GET", path: "/api/v1/tags/bi-mat", want: 404},
			{name: "unknown query parameters are 400", method: "GET", path: "/api/v1/tags/dai-hoi?page=2", want: 400},
			{name: "the description needs If-Match", method: "PATCH", path: "/api/v1/admin/tags/" + strconv.FormatInt(tag.ID, 10), as: "editor", want: 428,
				body: map[string]any{"description": "Mới"}},
			{name: "authors may not edit it", method: "PATCH", path: "/api/v1/admin/tags/" + strconv.FormatInt(tag.ID, 10), as: "author", want: 403,
				headers: ifMatch(tag.Version), body: map[string]any{"description": "Mới"}},
			{name: "too long", method: "PATCH", path: "/api/v1/admin/tags/" + strconv.FormatInt(tag.ID, 10), as: "editor", want: 422,
				headers: ifMatch(tag.Version), body: map[string]any{"description": strings.Repeat("a", 2001)}, check: wantFields("description")},
			{name: "the description alone changes", method: "PATCH", path: "/api/v1/admin/tags/" + strconv.FormatInt(tag.ID, 10), as: "editor", want: 200,
				headers: ifMatch(tag.Version), body: map[string]any{"description": " Đại hội Mặt trận các cấp "},
				fields: map[string]any{"data.name": "Đại hội", "data.description": "Đại hội Mặt trận các cấp", "data.version": tag.Version + 1}},
			{name: "stale", method: "PATCH", path: "/api/v1/admin/tags/" + strconv.FormatInt(tag.ID, 10), as: "editor", want: 412,
				headers: ifMatch(tag.Version), body: map[string]any{"description": "x"}},
			{name: "the page shows it", method: "GET", path: "/api/v1/tags/dai-hoi", want: 200,
				fields: map[string]any{"data.description": "Đại hội Mặt trận các cấp"}},
		})
		ts.published(map[string]any{"title": "Bế mạc", "category_id": cat, "tags": []string{"Đại hội"}})
		ts.run([]scenario{
			{name: "a published article counts at once", method: "GET", path: "/api/v1/tags/dai-hoi", want: 200,
				fields: map[string]any{"data.article_count": 2}},
		})
	})
}
