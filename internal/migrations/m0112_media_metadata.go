package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0112MediaMetadata adds a media item's editable metadata (alt text, caption, credit and focal
// point, as fractions of its width and height) and the version its PATCH checks.
var m0112MediaMetadata = &gormigrate.Migration{
	ID: "0112_media_metadata",
	Migrate: func(tx *gorm.DB) error {
		float := "REAL"
		if tx.Dialector.Name() == "postgres" {
			float = "DOUBLE PRECISION"
		}
		for _, column := range []string{
			"alt VARCHAR(300) NOT NULL DEFAULT ''",
			"caption VARCHAR(1000) NOT NULL DEFAULT ''",
			"credit VARCHAR(200) NOT NULL DEFAULT ''",
			"focal_x " + float,
			"focal_y " + float,
			"version INTEGER NOT NULL DEFAULT 1",
		} {
			if err := tx.Exec("ALTER TABLE media ADD COLUMN " + column).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
