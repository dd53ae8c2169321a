package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0003Media creates the media library and the links from content to media.
var m0003Media = &gormigrate.Migration{
	ID: "0003_media",
	Migrate: func(tx *gorm.DB) error {
		type media struct {
			ID         int64  `gorm:"primaryKey"`
			Key        string `gorm:"size:200;not null;uniqueIndex"`
			Name       string `gorm:"size:255;not null"`
			Mime       string `gorm:"size:100;not null"`
			Size       int64  `gorm:"not null"`
			Width      int
			Height     int
			Checksum   string `gorm:"size:64"`
			UploadedBy *int64
			CreatedAt  time.Time
		}
		type mediaLink struct {
			MediaID   int64  `gorm:"not null;index"`
			OwnerType string `gorm:"primaryKey;size:30"`
			OwnerID   int64  `gorm:"primaryKey"`
			Role      string `gorm:"primaryKey;size:20"`
			Position  int    `gorm:"primaryKey"`
		}
		if err := tx.Table("media").AutoMigrate(&media{}); err != nil {
			return err
		}
		return tx.Table("media_links").AutoMigrate(&mediaLink{})
	},
}
