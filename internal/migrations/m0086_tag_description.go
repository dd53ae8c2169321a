package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0086TagDescription adds a tag's description, shown on its public page (GET /tags/{slug}).
var m0086TagDescription = &gormigrate.Migration{
	ID: "0086_tag_description",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec("ALTER TABLE tags ADD COLUMN description TEXT NOT NULL DEFAULT ''").Error
	},
}
