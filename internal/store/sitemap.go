package store

import "time"

// SitemapEntry is what the sitemap needs of a public item: its id or slug (whichever its page
// URL uses) and when it last changed. The sitemap reads only these columns.
type SitemapEntry struct {
	ID        int64
	Slug      string
	UpdatedAt time.Time
}
