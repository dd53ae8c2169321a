package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Feeds for readers and crawlers: RSS of the newest articles and the sitemap of the public site.
// Both sit at the site's root, where feed readers and crawlers look for them, not under /api/v1.

const (
	rssRoute       = "/feeds/rss.xml"
	rssContentType = "application/rss+xml; charset=utf-8"
	rssItems       = 50
	rssTitle       = "Tin mới" // the whole site's feed; a category's feed takes its name

	sitemapContentType = "application/xml; charset=utf-8"
	// sitemapMaxURLs is what one sitemap file may hold (sitemaps.org). A sitemap index is out of
	// scope: past the limit the oldest articles are left out.
	sitemapMaxURLs = 50_000
)

// The pages of the public site that the feed and the sitemap link to. API.md gives the
// frontend no URL scheme, so these are the one place that decides it.

func (s *Server) articleURL(slug string) string {
	return s.cfg.BaseURL + "/articles/" + url.PathEscape(slug)
}

func (s *Server) categoryURL(slug string) string {
	return s.cfg.BaseURL + "/categories/" + url.PathEscape(slug)
}

func (s *Server) announcementURL(slug string) string {
	return s.cfg.BaseURL + "/announcements/" + url.PathEscape(slug)
}

func (s *Server) documentURL(id int64) string {
	return s.cfg.BaseURL + "/documents/" + strconv.FormatInt(id, 10)
}

// rssFeed is an RSS 2.0 document with one channel.
type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
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
	Category    string        `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
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
//	@Description	RSS 2.0 of the 50 newest published articles (scheduled ones from their time on), newest first. Each item has the title, the link to the article's page on the public site (TOASOAN_BASE_URL + `/articles/{slug}`), a guid that never changes (`toasoan:article:{id}`, not a permalink), pubDate (RFC 1123, +0700), the summary as description, the category's name and the cover as enclosure. With `category`, only the articles of that category and its sub-categories, in a channel named after it. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
//	@Tags			feeds
//	@Produce		application/rss+xml
//	@Param			category		query		string	false	"category slug; includes its sub-categories"
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
	q := parseReaderQuery(c, "category")
	slug := q.String("category")
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	channel := rssChannel{
		Title: rssTitle, Link: s.cfg.BaseURL, Description: rssTitle, Language: "vi",
		Self: atomLink{Href: s.cfg.BaseURL + rssRoute, Rel: "self", Type: "application/rss+xml"},
	}
	if slug != "" {
		category, err := s.categoryBySlug(ctx, slug)
		if err != nil {
			return err
		}
		channel.Title, channel.Link = category.Name, s.categoryURL(category.Slug)
		channel.Description = category.Name
		if category.Description != "" {
			channel.Description = category.Description
		}
		channel.Self.Href += "?category=" + url.QueryEscape(slug)
	}
	list, err := s.store.PublicArticles(ctx, store.PublicQuery{Now: s.now(), CategorySlug: slug}, models.Page{Page: 1, PerPage: rssItems})
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Articles, surrogate.Categories)
	channel.Items = make([]rssItem, len(list.Articles))
	for i, a := range list.Articles {
		channel.Items[i] = s.rssItem(a)
		articleKeys(c, a)
	}
	return publicXML(c, rssContentType, rssFeed{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: channel})
}

// rssItem is a public article as a feed item; public articles always have a publication time.
func (s *Server) rssItem(a models.Article) rssItem {
	item := rssItem{
		Title: a.Title, Link: s.articleURL(a.Slug),
		GUID:    rssGUID{Value: "toasoan:article:" + strconv.FormatInt(a.ID, 10)},
		PubDate: models.ShownTime(*a.PublishedAt).Format(time.RFC1123Z),
		// Readers take a description as HTML; the summary is plain text, so it is escaped as
		// HTML here and then, by the encoder, as XML: after both decodings a reader shows text.
		Description: html.EscapeString(a.Summary), Category: a.Category.Name,
	}
	if a.Cover != nil {
		item.Enclosure = &rssEnclosure{URL: a.Cover.URL(s.cfg.BaseURL), Type: a.Cover.Mime, Length: a.Cover.Size}
	}
	return item
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
//	@Description	A sitemaps.org 0.9 sitemap of the pages of the public site under TOASOAN_BASE_URL, each with its lastmod: every category (`/categories/{slug}`), the announcements active now (`/announcements/{slug}`), the published documents (`/documents/{id}`) and the published articles (`/articles/{slug}`) but those marked `noindex`, newest first. One file holds at most 50,000 URLs and no sitemap index is made: past that, the oldest articles are left out. Served at the site's root, not under /api/v1. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
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
