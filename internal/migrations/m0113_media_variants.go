package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0113MediaVariants adds an image's variants (its resized copies in storage, as a JSON list:
// they are made once, never queried by field, and always read with the media row, so every
// read of a media item has them without another query) and its placeholder. variants stays
// NULL until they are made, which is how `api media variants` finds the images still to do.
var m0113MediaVariants = &gormigrate.Migration{
	ID: "0113_media_variants",
	Migrate: func(tx *gorm.DB) error {
		for _, column := range []string{
			"variants TEXT",
			"placeholder TEXT NOT NULL DEFAULT ''",
		} {
			if err := tx.Exec("ALTER TABLE media ADD COLUMN " + column).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
