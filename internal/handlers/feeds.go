package handlers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Feeds for readers and crawlers: RSS of the newest articles (of a category or a tag), of the
// announcements and of the documents, and the sitemap of the public site. They sit at the
// site's root, where feed readers and crawlers look for them, not under /api/v1.

const (
	rssRoute              = "/feeds/rss.xml"
	announcementsRSSRoute = "/feeds/announcements.xml"
	documentsRSSRoute     = "/feeds/documents.xml"
	rssContentType        = "application/rss+xml; charset=utf-8"
	rssItems              = 50
	rssTitle              = "Tin mới" // the whole site's feed; a category's or a tag's feed takes its name
	announcementsRSSTitle = "Thông báo"
	documentsRSSTitle     = "Văn bản"

	// The namespaces of the feeds: the feed's own address, the full body, the author.
	atomNS    = "http://www.w3.org/2005/Atom"
	contentNS = "http://purl.org/rss/1.0/modules/content/"
	dcNS      = "http://purl.org/dc/elements/1.1/"

	sitemapContentType = "application/xml; charset=utf-8"
	// sitemapMaxURLs is what one sitemap file may hold (sitemaps.org). A sitemap index is out of
	// scope: past the limit the oldest articles are left out.
	sitemapMaxURLs = 50_000
)

// The pages of the public site that the feeds and the sitemap link to (surrogate.*Page decides
// their paths).

func (s *Server) articleURL(slug string) string { return s.cfg.SiteURL + surrogate.ArticlePage(slug) }

func (s *Server) categoryURL(slug string) string { return s.cfg.SiteURL + surrogate.CategoryPage(slug) }

func (s *Server) tagURL(slug string) string { return s.cfg.SiteURL + surrogate.TagPage(slug) }

func (s *Server) announcementURL(slug string) string {
	return s.cfg.SiteURL + surrogate.AnnouncementPage(slug)
}

func (s *Server) documentURL(id int64) string { return s.cfg.SiteURL + surrogate.DocumentPage(id) }

// rssFeed is an RSS 2.0 document with one channel. encoding/xml writes prefixed names as they
// are given, so the prefixes' namespaces are declared here by hand.
type rssFeed struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	ContentNS string     `xml:"xmlns:content,attr"`
	DCNS      string     `xml:"xmlns:dc,attr"`
	Channel   rssChannel `xml:"channel"`
}

func newRSSFeed(channel rssChannel) rssFeed {
	return rssFeed{Version: "2.0", AtomNS: atomNS, ContentNS: contentNS, DCNS: dcNS, Channel: channel}
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Language    string    `xml:"language"`
	Self        atomLink  `xml:"atom:link"`
	Items       []rssItem `xml:"item"`
}

// atomLink is the feed's own address (rel="self"), which RSS 2.0 lacks and validators ask for.
type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Creator     string        `xml:"dc:creator,omitempty"`
	Categories  []rssCategory `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	Content     *rssContent   `xml:"content:encoded"`
}

// rssCategory is a category of an item; domain says which kind (a document's number, issuer,
// type), absent for an article's category.
type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

// rssContent is the full HTML of an item (content:encoded), as CDATA: readers take it as HTML.
type rssContent struct {
	HTML string `xml:",cdata"`
}

// contentOf is an item's content:encoded; none for an empty body.
func contentOf(body string) *rssContent {
	if body == "" {
		return nil
	}
	return &rssContent{HTML: body}
}

// rssGUID identifies an item for good: its id, as the link follows the slug, which may change.
type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Type   string `xml:"type,attr"`
	Length int64  `xml:"length,attr"`
}

// sitemapURLSet is a sitemaps.org 0.9 sitemap.
type sitemapURLSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"` // W3C datetime, in the newsroom's zone
}

// rssFeed godoc
//
//	@ID			getArticleFeed
//	@Summary		RSS feed of the newest articles
//	@Description	RSS 2.0 of the 50 newest published articles (scheduled ones from their time on), newest first. Each item has the title, the link to the article's page on the public site (TOASOAN_SITE_URL + `/articles/{slug}`), a guid that never changes (`toasoan:article:{id}`, not a permalink), pubDate (RFC 1123, +0700), the summary as description, the author as `dc:creator` (the byline, or the author's name without one), the category's name as category, the cover as enclosure (under TOASOAN_MEDIA_URL) and the full sanitised body as `content:encoded` (CDATA). The channel links the site, and itself (`atom:link` rel=self) under TOASOAN_PUBLIC_URL. With `category`, only the articles of that category and its sub-categories, in a channel named after it and linking its page (`/categories/{slug}`); with `tag`, only those carrying that tag, likewise (`/tags/{slug}`); not both. An unknown category or tag is 404. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
//	@Tags			feeds
//	@Produce		application/rss+xml
//	@Param			category		query		string	false	"category slug; includes its sub-categories"
//	@Param			tag				query		string	false	"tag slug (not with category)"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{string}	string	"an RSS 2.0 document"
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Failure		404				{object}	problem
//	@Router			/feeds/rss.xml [get]
func (s *Server) rssFeed(c echo.Context) error {
	q := parseReaderQuery(c, "category", "tag")
	categorySlug, tagSlug := q.String("category"), q.String("tag")
	if categorySlug != "" && tagSlug != "" {
		q.fail("tag", "give category or tag, not both")
	}
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	channel := s.rssChannel(rssTitle, s.cfg.SiteURL, rssRoute)
	addKeys(c, surrogate.Articles, surrogate.Categories)
	switch {
	case categorySlug != "":
		category, err := s.categoryBySlug(ctx, categorySlug)
		if err != nil {
			return err
		}
		channel.Title, channel.Link = category.Name, s.categoryURL(category.Slug)
		channel.Description = cmp.Or(category.Description, category.Name)
		channel.Self.Href += "?category=" + url.QueryEscape(categorySlug)
	case tagSlug != "":
		found, err := s.store.PublicTag(ctx, tagSlug, s.now())
		if err != nil {
			return err
		}
		tag := found.Tag
		channel.Title, channel.Link, channel.Description = tag.Name, s.tagURL(tag.Slug), tag.Name
		channel.Self.Href += "?tag=" + url.QueryEscape(tagSlug)
		addKeys(c, surrogate.Tags, surrogate.Tag(tag.ID))
	}
	list, err := s.store.PublicArticles(ctx, store.PublicQuery{Now: s.now(), CategorySlug: categorySlug, TagSlug: tagSlug},
		models.Page{Page: 1, PerPage: rssItems})
	if err != nil {
		return err
	}
	ids := make([]int64, len(list.Articles))
	for i, a := range list.Articles {
		ids[i] = a.ID
	}
	bodies, err := s.store.ArticleBodies(ctx, ids)
	if err != nil {
		return err
	}
	channel.Items = make([]rssItem, len(list.Articles))
	for i, a := range list.Articles {
		a.Body = bodies[a.ID]
		channel.Items[i] = s.rssItem(a)
		articleKeys(c, a)
	}
	return publicXML(c, rssContentType, newRSSFeed(channel))
}

// rssChannel is a feed's channel before its items: title, the site's page it follows, and its
// own address on this API.
func (s *Server) rssChannel(title, link, route string) rssChannel {
	return rssChannel{
		Title: title, Link: link, Description: title, Language: "vi",
		Self: atomLink{Href: s.cfg.PublicURL + route, Rel: "self", Type: "application/rss+xml"},
	}
}

// rssItem is a public article as a feed item; public articles always have a publication time.
func (s *Server) rssItem(a models.Article) rssItem {
	item := rssItem{
		Title: a.Title, Link: s.articleURL(a.Slug),
		GUID:    rssGUID{Value: "toasoan:article:" + strconv.FormatInt(a.ID, 10)},
		PubDate: models.ShownTime(*a.PublishedAt).Format(time.RFC1123Z),
		// Readers take a description as HTML; the summary is plain text, so it is escaped as
		// HTML here and then, by the encoder, as XML: after both decodings a reader shows text.
		Description: html.EscapeString(a.Summary),
		Creator:     cmp.Or(a.Byline, a.Author.Name),
		Categories:  []rssCategory{{Value: a.Category.Name}},
		Content:     contentOf(a.Body),
	}
	if a.Cover != nil {
		item.Enclosure = s.rssEnclosure(*a.Cover)
	}
	return item
}

func (s *Server) rssEnclosure(m models.Media) *rssEnclosure {
	return &rssEnclosure{URL: m.URL(s.cfg.MediaURL), Type: m.Mime, Length: m.Size}
}

// firstEnclosure is the first of an item's files as its enclosure: RSS 2.0 means one per item,
// and readers that take more are few. Every file is linked from content:encoded too.
func (s *Server) firstEnclosure(files []models.Media) *rssEnclosure {
	if len(files) == 0 {
		return nil
	}
	return s.rssEnclosure(files[0])
}

// attachmentLinks is the HTML list of an item's files, linked, for its content:encoded.
func (s *Server) attachmentLinks(files []models.Media) string {
	if len(files) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<ul>")
	for _, m := range files {
		fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, html.EscapeString(m.URL(s.cfg.MediaURL)), html.EscapeString(m.Name))
	}
	b.WriteString("</ul>")
	return b.String()
}

// announcementsFeed godoc
//
//	@ID			getAnnouncementFeed
//	@Summary		RSS feed of the announcements
//	@Description	RSS 2.0 of the announcements readers see now (published, their window open), at most 50, in the order of GET /api/v1/announcements: pinned first, then the newest start. Each item has the title, the link to its page on the public site (TOASOAN_SITE_URL + `/announcements/{slug}`), a guid that never changes (`toasoan:announcement:{id}`, not a permalink), pubDate (its start, RFC 1123, +0700), the sanitised body as description (HTML, escaped as XML) and as `content:encoded` (CDATA, followed by a list of links to its attachments), and its first attachment as enclosure (under TOASOAN_MEDIA_URL). The channel links the site's `/announcements`, and itself (`atom:link` rel=self) under TOASOAN_PUBLIC_URL. An announcement leaves the feed when its window closes. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored.
//	@Tags			feeds
//	@Produce		application/rss+xml
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{string}	string	"an RSS 2.0 document"
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/feeds/announcements.xml [get]
func (s *Server) announcementsFeed(c echo.Context) error {
	if err := parseReaderQuery(c).Err(); err != nil {
		return err
	}
	list, _, err := s.store.ActiveAnnouncements(c.Request().Context(), s.now(), nil, models.Page{Page: 1, PerPage: rssItems})
	if err != nil {
		return err
	}
	channel := s.rssChannel(announcementsRSSTitle, s.cfg.SiteURL+"/announcements", announcementsRSSRoute)
	addKeys(c, surrogate.Announcements)
	channel.Items = make([]rssItem, len(list))
	for i, a := range list {
		channel.Items[i] = rssItem{
			Title: a.Title, Link: s.announcementURL(a.Slug),
			GUID:        rssGUID{Value: "toasoan:announcement:" + strconv.FormatInt(a.ID, 10)},
			PubDate:     models.ShownTime(a.StartsAt).Format(time.RFC1123Z),
			Description: a.Body,
			Enclosure:   s.firstEnclosure(a.Attachments),
			Content:     contentOf(a.Body + s.attachmentLinks(a.Attachments)),
		}
		addKeys(c, surrogate.Announcement(a.ID))
		mediaKeys(c, a.Attachments)
	}
	return publicXML(c, rssContentType, newRSSFeed(channel))
}

// documentsFeed godoc
//
//	@ID			getDocumentFeed
//	@Summary		RSS feed of the documents
//	@Description	RSS 2.0 of the 50 newest published documents, newest issued first, as GET /api/v1/documents. Each item has the title (trích yếu), the link to its page on the public site (TOASOAN_SITE_URL + `/documents/{id}`), a guid that never changes (`toasoan:document:{id}`, not a permalink), pubDate (the issue date at 00:00 +0700, RFC 1123), a description naming its number, type, issuer and issue date (plain text escaped as HTML), three categories told apart by their domain (`number`, `type`, `issuer`), its first attachment as enclosure (under TOASOAN_MEDIA_URL) and, as `content:encoded` (CDATA), the description followed by a list of links to all its attachments. The channel links the site's `/documents`, and itself (`atom:link` rel=self) under TOASOAN_PUBLIC_URL. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored.
//	@Tags			feeds
//	@Produce		application/rss+xml
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{string}	string	"an RSS 2.0 document"
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/feeds/documents.xml [get]
func (s *Server) documentsFeed(c echo.Context) error {
	if err := parseReaderQuery(c).Err(); err != nil {
		return err
	}
	list, _, err := s.store.ListDocuments(c.Request().Context(), store.DocumentFilter{Status: models.PublicationPublished},
		models.Page{Page: 1, PerPage: rssItems})
	if err != nil {
		return err
	}
	channel := s.rssChannel(documentsRSSTitle, s.cfg.SiteURL+"/documents", documentsRSSRoute)
	addKeys(c, surrogate.Documents, surrogate.DocumentTypes)
	channel.Items = make([]rssItem, len(list))
	for i, d := range list {
		issued := d.IssuedOn.Time()
		// Plain text, escaped as HTML like an article's summary.
		about := html.EscapeString(fmt.Sprintf("Số %s, %s của %s, ban hành ngày %s.", d.Number, d.Type.Name, d.Issuer, issued.Format("02/01/2006")))
		channel.Items[i] = rssItem{
			Title: d.Title, Link: s.documentURL(d.ID),
			GUID:        rssGUID{Value: "toasoan:document:" + strconv.FormatInt(d.ID, 10)},
			PubDate:     time.Date(issued.Year(), issued.Month(), issued.Day(), 0, 0, 0, 0, models.NewsroomZone).Format(time.RFC1123Z),
			Description: about,
			Categories: []rssCategory{
				{Domain: "number", Value: d.Number}, {Domain: "type", Value: d.Type.Name}, {Domain: "issuer", Value: d.Issuer},
			},
			Enclosure: s.firstEnclosure(d.Attachments),
			Content:   contentOf("<p>" + about + "</p>" + s.attachmentLinks(d.Attachments)),
		}
		addKeys(c, surrogate.Document(d.ID))
		mediaKeys(c, d.Attachments)
	}
	return publicXML(c, rssContentType, newRSSFeed(channel))
}

// categoryBySlug finds a category among all of them (a site has a few dozen).
func (s *Server) categoryBySlug(ctx context.Context, slug string) (models.Category, error) {
	all, err := s.store.Categories(ctx)
	if err != nil {
		return models.Category{}, err
	}
	for _, c := range all {
		if c.Slug == slug {
			return c, nil
		}
	}
	return models.Category{}, models.NotFound("category")
}

// sitemap godoc
//
//	@ID			getSitemap
//	@Summary		Sitemap of the public site
//	@Description	A sitemaps.org 0.9 sitemap of the pages of the public site under TOASOAN_SITE_URL, each with its lastmod: every category (`/categories/{slug}`), the announcements active now (`/announcements/{slug}`), the published documents (`/documents/{id}`) and the published articles (`/articles/{slug}`) but those marked `noindex`, newest first. One file holds at most 50,000 URLs and no sitemap index is made: past that, the oldest articles are left out. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
//	@Tags			feeds
//	@Produce		application/xml
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{string}	string	"a sitemap document"
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/sitemap.xml [get]
func (s *Server) sitemap(c echo.Context) error {
	if err := parseReaderQuery(c).Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := s.now()
	var urls []sitemapURL
	room := func() int { return max(0, sitemapMaxURLs-len(urls)) }
	add := func(loc string, lastMod time.Time) {
		urls = append(urls, sitemapURL{Loc: loc, LastMod: models.ShownTime(lastMod).Format(time.RFC3339)})
	}

	// Sections and the announcements running now are few, and the registry grows slowly: they
	// come first, so only the oldest articles give way at the limit.
	categories, err := s.store.Categories(ctx)
	if err != nil {
		return err
	}
	for _, cat := range categories[:min(len(categories), room())] {
		add(s.categoryURL(cat.Slug), cat.UpdatedAt)
	}
	announcements, err := s.store.AnnouncementSitemap(ctx, now, room())
	if err != nil {
		return err
	}
	for _, a := range announcements {
		add(s.announcementURL(a.Slug), a.UpdatedAt)
	}
	documents, err := s.store.DocumentSitemap(ctx, room())
	if err != nil {
		return err
	}
	for _, d := range documents {
		add(s.documentURL(d.ID), d.UpdatedAt)
	}
	articles, err := s.store.ArticleSitemap(ctx, now, room())
	if err != nil {
		return err
	}
	for _, a := range articles {
		add(s.articleURL(a.Slug), a.UpdatedAt)
	}
	addKeys(c, surrogate.Categories, surrogate.Announcements, surrogate.Documents, surrogate.Articles)
	return publicXML(c, sitemapContentType, sitemapURLSet{URLs: urls})
}

// publicXML answers a public GET with v as an XML document (see publicBody).
func publicXML(c echo.Context, contentType string, v any) error {
	body := bytes.NewBufferString(xml.Header)
	if err := xml.NewEncoder(body).Encode(v); err != nil {
		return err
	}
	return publicBody(c, contentType, body.Bytes())
}
