package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0001Init creates the instance settings table: small key-value facts the service keeps in the
// database rather than in configuration.
var m0001Init = &gormigrate.Migration{
	ID: "0001_init",
	Migrate: func(tx *gorm.DB) error {
		type setting struct {
			Key   string `gorm:"primaryKey;size:100"`
			Value string `gorm:"not null"`
		}
		return tx.Table("settings").AutoMigrate(&setting{})
	},
}
