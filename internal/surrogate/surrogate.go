// Package surrogate names what a public response contains, so that a write can say exactly what
// it changed. A response carries the keys of everything it shows (the article, its category, its
// tags, its author, its related articles, "the article lists", …); a write that changes public
// content purges the keys of what it changed. The same names go to three places: this process's
// response cache, every other process (NOTIFY on PostgreSQL), and CDNs (the Surrogate-Key and
// Cache-Tag headers, and the purge block of webhook payloads).
//
// A key is a family ("articles": every list, feed, search or sitemap that lists articles) or a
// family and an id ("article-12": every response that shows article 12). Keys contain only
// lower-case letters, digits and hyphens, so they are safe in a header on every CDN.
package surrogate

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The families. A list, feed, search or sitemap of a kind carries its family key; a response
// that shows one item carries the item's key.
const (
	Articles      = "articles"       // every list, feed, sitemap and search result of articles
	Announcements = "announcements"  // every list of announcements and search result
	Documents     = "documents"      // every list of documents and search result
	Categories    = "categories"     // the category tree and category pages
	Tags          = "tags"           // the tag list
	DocumentTypes = "document-types" // the document types, and everything that names one
	Abbreviations = "abbreviations"  // the abbreviations search expands: every search result
)

// All is the key of everything: a process purges it when it may have missed a purge (its
// listener was disconnected).
const All = "all"

func item(kind string, id int64) string { return kind + "-" + strconv.FormatInt(id, 10) }

// ItemOf reads an item's key back: its kind and id ("article-12": "article", 12); ok is false
// for a family's key.
func ItemOf(key string) (kind string, id int64, ok bool) {
	i := strings.LastIndexByte(key, '-')
	if i <= 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(key[i+1:], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return key[:i], id, true
}

// Article is the key of everything that shows article id (its page, a related box, a list).
func Article(id int64) string { return item("article", id) }

// Category is the key of everything that shows category id (its name or its articles).
func Category(id int64) string { return item("category", id) }

// Tag is the key of everything that shows tag id.
func Tag(id int64) string { return item("tag", id) }

// Author is the key of everything that shows user id as an author.
func Author(id int64) string { return item("author", id) }

// Media is the key of everything that shows media id (a cover, an attachment).
func Media(id int64) string { return item("media", id) }

// Announcement is the key of announcement id's page.
func Announcement(id int64) string { return item("announcement", id) }

// Document is the key of document id's page.
func Document(id int64) string { return item("document", id) }

// The public API paths a change makes stale, for CDNs that purge by URL (webhook payloads' purge
// block): an item's own page and the lists, feeds and sitemap that show its kind, without query
// strings. They are the routes of internal/handlers/routes.go (a test there checks each one).
const apiPrefix = "/api/v1"

// ArticlePath is the public path of an article.
func ArticlePath(slug string) string { return apiPrefix + "/articles/" + slug }

// AnnouncementPath is the public path of an announcement.
func AnnouncementPath(slug string) string { return apiPrefix + "/announcements/" + slug }

// DocumentPath is the public path of a document.
func DocumentPath(id int64) string { return apiPrefix + "/documents/" + strconv.FormatInt(id, 10) }

// The pages of the public site, under TOASOAN_SITE_URL, that feeds, the sitemap and webhook
// payloads link to. API.md gives the frontend no URL scheme, so these are the one place that
// decides it: change them here if the frontend's routes differ.
func ArticlePage(slug string) string      { return "/articles/" + url.PathEscape(slug) }
func CategoryPage(slug string) string     { return "/categories/" + url.PathEscape(slug) }
func TagPage(slug string) string          { return "/tags/" + url.PathEscape(slug) }
func AnnouncementPage(slug string) string { return "/announcements/" + url.PathEscape(slug) }
func DocumentPage(id int64) string        { return "/documents/" + strconv.FormatInt(id, 10) }

// The lists, feeds and sitemap of each kind.
var (
	ArticleListPaths      = []string{apiPrefix + "/articles", apiPrefix + "/search", "/feeds/rss.xml", "/sitemap.xml"}
	AnnouncementListPaths = []string{apiPrefix + "/announcements", apiPrefix + "/search", "/feeds/announcements.xml", "/sitemap.xml"}
	DocumentListPaths     = []string{apiPrefix + "/documents", apiPrefix + "/search", "/feeds/documents.xml", "/sitemap.xml"}
)

// Set collects keys without duplicates, in the order first added.
type Set struct {
	keys []string
	seen map[string]bool
}

// Add adds keys not yet in the set.
func (s *Set) Add(keys ...string) {
	for _, k := range keys {
		if k == "" || s.seen[k] {
			continue
		}
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[k] = true
		s.keys = append(s.keys, k)
	}
}

// Keys returns the keys, in the order first added.
func (s *Set) Keys() []string { return slices.Clone(s.keys) }

// Len is the number of keys.
func (s *Set) Len() int { return len(s.keys) }

// Header is the keys as the Surrogate-Key header carries them (Fastly, Varnish's xkey):
// separated by spaces.
func Header(keys []string) string { return strings.Join(keys, " ") }

// CacheTag is the keys as Cloudflare's Cache-Tag header carries them: separated by commas.
func CacheTag(keys []string) string { return strings.Join(keys, ",") }

// Parse reads keys separated by spaces or commas (a Surrogate-Key or Cache-Tag header, or a
// notification's payload).
func Parse(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
