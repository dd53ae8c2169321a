package migrations

import (
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
)

// m0085ArticlePage adds what an article page needs besides the article: the counts of its
// body's words and its reading time, stored at every write so lists never compute them (and
// filled here for the articles that exist), and its SEO and sharing fields (meta title and
// description, canonical URL, Open Graph image, noindex), empty meaning the documented defaults.
// The Open Graph image is also a media link (role og_image), which keeps the media from
// deletion as a cover's link does.
var m0085ArticlePage = &gormigrate.Migration{
	ID: "0085_article_page",
	Migrate: func(tx *gorm.DB) error {
		boolean := "BOOLEAN NOT NULL DEFAULT FALSE"
		if tx.Dialector.Name() != "postgres" {
			boolean = "NUMERIC NOT NULL DEFAULT 0"
		}
		for _, column := range []string{
			"word_count INTEGER NOT NULL DEFAULT 0",
			"reading_time INTEGER NOT NULL DEFAULT 0",
			"meta_title TEXT NOT NULL DEFAULT ''",
			"meta_description TEXT NOT NULL DEFAULT ''",
			"canonical_url TEXT NOT NULL DEFAULT ''",
			"og_image_media_id BIGINT",
			"noindex " + boolean,
		} {
			if err := tx.Exec("ALTER TABLE articles ADD COLUMN " + column).Error; err != nil {
				return err
			}
		}
		// Back-fill a batch at a time, so a large archive migrates in bounded memory; the
		// counting rule is the store's (words of the body's text, 200 a minute, at least 1).
		type row struct {
			ID   int64
			Body string
		}
		var last int64
		for {
			var batch []row
			if err := tx.Raw("SELECT id, COALESCE(body, '') AS body FROM articles WHERE id > ? ORDER BY id LIMIT 500", last).Scan(&batch).Error; err != nil {
				return err
			}
			if len(batch) == 0 {
				return nil
			}
			for _, r := range batch {
				words := len(strings.Fields(search.StripHTML(r.Body)))
				minutes := (words + 199) / 200
				if err := tx.Exec("UPDATE articles SET word_count = ?, reading_time = ? WHERE id = ?", words, minutes, r.ID).Error; err != nil {
					return err
				}
				last = r.ID
			}
		}
	},
}
