package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0011Articles creates articles, their tags and their revisions, with the indexes of the public
// queries. Those are partial indexes over the publicly visible rows (status published or
// scheduled) ordered as the lists are, so a page is a short index range scan on both dialects.
var m0011Articles = &gormigrate.Migration{
	ID: "0011_articles",
	Migrate: func(tx *gorm.DB) error {
		type article struct {
			ID           int64  `gorm:"primaryKey"`
			Slug         string `gorm:"size:100;not null;uniqueIndex"`
			SlugLocked   bool   `gorm:"not null"`
			Title        string `gorm:"size:300;not null"`
			Summary      string `gorm:"not null;default:''"`
			Status       string `gorm:"size:20;not null"`
			CategoryID   int64  `gorm:"not null;index"`
			AuthorID     int64  `gorm:"not null"`
			Byline       string `gorm:"size:200;not null;default:''"`
			Featured     bool   `gorm:"not null;default:false"`
			CoverMediaID *int64
			CoverCaption string `gorm:"size:500;not null;default:''"`
			PublishedAt  *time.Time
			ViewCount    int64 `gorm:"not null;default:0"`
			Version      int   `gorm:"not null;default:1"`
			CreatedAt    time.Time
			UpdatedAt    time.Time
			// The large columns come last: SQLite reads a column stored after them only by
			// walking their overflow pages, which lists (that never read them) would pay for.
			Body string `gorm:"not null;default:''"`
		}
		type articleTag struct {
			ArticleID int64 `gorm:"primaryKey;autoIncrement:false"`
			TagID     int64 `gorm:"primaryKey;autoIncrement:false"`
			Position  int   `gorm:"not null"`
		}
		type articleRevision struct {
			ArticleID int64  `gorm:"primaryKey;autoIncrement:false"`
			Number    int    `gorm:"primaryKey;autoIncrement:false"`
			Action    string `gorm:"size:20;not null"`
			ActorID   *int64
			Snapshot  string `gorm:"not null"`
			CreatedAt time.Time
		}
		if err := tx.Table("articles").AutoMigrate(&article{}); err != nil {
			return err
		}
		if err := tx.Table("article_tags").AutoMigrate(&articleTag{}); err != nil {
			return err
		}
		if err := tx.Table("article_revisions").AutoMigrate(&articleRevision{}); err != nil {
			return err
		}
		// The same SQL serves both dialects: each supports partial and descending indexes. The
		// predicate is spelled exactly as the store's public filter, so both planners use them.
		const visible = `WHERE status IN ('published', 'scheduled')`
		for _, stmt := range []string{
			`CREATE INDEX articles_public ON articles (published_at DESC, id DESC) ` + visible,
			`CREATE INDEX articles_public_category ON articles (category_id, published_at DESC, id DESC) ` + visible,
			`CREATE INDEX articles_public_author ON articles (author_id, published_at DESC, id DESC) ` + visible,
			`CREATE INDEX articles_public_views ON articles (view_count DESC, published_at DESC, id DESC) ` + visible,
			`CREATE INDEX articles_editorial ON articles (updated_at DESC, id DESC)`,
			`CREATE INDEX articles_editorial_author ON articles (author_id, updated_at DESC, id DESC)`,
			`CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id)`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
