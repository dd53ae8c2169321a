package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0055PreviewGeneration adds the article's preview generation: preview tokens carry the
// generation they were made at, and unpublishing or archiving the article moves it on, so every
// earlier link stops working.
var m0055PreviewGeneration = &gormigrate.Migration{
	ID: "0055_preview_generation",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec("ALTER TABLE articles ADD COLUMN preview_generation INTEGER NOT NULL DEFAULT 0").Error
	},
}
