package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0071ArticleTagsPublic copies into article_tags when each article is public from:
// public_at is the article's published_at while its status is published or scheduled, NULL
// otherwise (the store keeps it so on every write of an article). The newest public articles of
// a tag are then one bounded read of the new index, as those of a category are of
// articles_public_category: the "related" box and the tag page no longer scan the archive for
// the few articles of a rare tag.
var m0071ArticleTagsPublic = &gormigrate.Migration{
	ID: "0071_article_tags_public",
	Migrate: func(tx *gorm.DB) error {
		column := `ALTER TABLE article_tags ADD COLUMN public_at TIMESTAMPTZ`
		if tx.Dialector.Name() != "postgres" {
			column = `ALTER TABLE article_tags ADD COLUMN public_at DATETIME`
		}
		for _, stmt := range []string{
			column,
			`UPDATE article_tags SET public_at = (SELECT articles.published_at FROM articles
				WHERE articles.id = article_tags.article_id AND articles.status IN ('published', 'scheduled'))`,
			`CREATE INDEX article_tags_public ON article_tags (tag_id, public_at DESC, article_id DESC) WHERE public_at IS NOT NULL`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
