package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0080SlugHistory keeps every slug an article or category had before its current one, so that
// old links keep resolving (301 to the current slug) and no other item is ever given one. kind
// is "article" or "category"; a slug belongs to one item of its kind for good. There is no
// back-fill: slugs changed before this migration were not recorded anywhere. A deleted item's
// slugs stay: they are never given to another item (its old links are 404, not someone else's).
var m0080SlugHistory = &gormigrate.Migration{
	ID: "0080_slug_history",
	Migrate: func(tx *gorm.DB) error {
		timestamp := "TIMESTAMPTZ"
		if tx.Dialector.Name() != "postgres" {
			timestamp = "DATETIME"
		}
		for _, stmt := range []string{
			`CREATE TABLE slug_history (
				kind VARCHAR(20) NOT NULL,
				slug VARCHAR(100) NOT NULL,
				target_id BIGINT NOT NULL,
				created_at ` + timestamp + ` NOT NULL,
				PRIMARY KEY (kind, slug)
			)`,
			`CREATE INDEX idx_slug_history_target ON slug_history (kind, target_id)`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
