package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0030Announcements creates announcements ("Thông báo"), with the index behind the public
// list: published, pinned first, newest start first.
var m0030Announcements = &gormigrate.Migration{
	ID: "0030_announcements",
	Migrate: func(tx *gorm.DB) error {
		type announcement struct {
			ID        int64     `gorm:"primaryKey"`
			Slug      string    `gorm:"size:100;not null;uniqueIndex"`
			Title     string    `gorm:"size:300;not null"`
			Body      string    `gorm:"not null"`
			Pinned    bool      `gorm:"not null"`
			StartsAt  time.Time `gorm:"not null"`
			EndsAt    *time.Time
			Status    string `gorm:"size:20;not null"`
			Version   int    `gorm:"not null"`
			CreatedAt time.Time
			UpdatedAt time.Time
		}
		if err := tx.Table("announcements").AutoMigrate(&announcement{}); err != nil {
			return err
		}
		return tx.Exec(`CREATE INDEX idx_announcements_public ON announcements (status, pinned DESC, starts_at DESC)`).Error
	},
}
