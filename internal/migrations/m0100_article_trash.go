package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0100ArticleTrash adds the trash of articles: when an article was moved to the trash and by
// whom (null: not in the trash). The partial index serves the editorial trash view and the
// worker that empties the trash after the retention, and costs nothing for the rest.
var m0100ArticleTrash = &gormigrate.Migration{
	ID: "0100_article_trash",
	Migrate: func(tx *gorm.DB) error {
		timestamp := "TIMESTAMPTZ"
		if tx.Dialector.Name() != "postgres" {
			timestamp = "DATETIME"
		}
		for _, stmt := range []string{
			`ALTER TABLE articles ADD COLUMN trashed_at ` + timestamp,
			`ALTER TABLE articles ADD COLUMN trashed_by_id BIGINT REFERENCES users (id) ON DELETE SET NULL`,
			`CREATE INDEX articles_trashed ON articles (trashed_at) WHERE trashed_at IS NOT NULL`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
