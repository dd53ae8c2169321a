package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0010CategoriesTags creates the category tree and the tags of articles.
var m0010CategoriesTags = &gormigrate.Migration{
	ID: "0010_categories_tags",
	Migrate: func(tx *gorm.DB) error {
		type category struct {
			ID          int64  `gorm:"primaryKey"`
			ParentID    *int64 `gorm:"index"`
			Slug        string `gorm:"size:100;not null;uniqueIndex"`
			Name        string `gorm:"size:200;not null"`
			Description string
			Position    int `gorm:"not null;default:0"`
			CreatedAt   time.Time
			UpdatedAt   time.Time
		}
		type tag struct {
			ID        int64  `gorm:"primaryKey"`
			Slug      string `gorm:"size:100;not null;uniqueIndex"`
			Name      string `gorm:"size:100;not null"`
			CreatedAt time.Time
		}
		if err := tx.Table("categories").AutoMigrate(&category{}); err != nil {
			return err
		}
		return tx.Table("tags").AutoMigrate(&tag{})
	},
}
