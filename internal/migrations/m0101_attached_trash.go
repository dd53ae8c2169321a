package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0101AttachedTrash adds the trash to announcements and documents, as 0100 did to articles.
var m0101AttachedTrash = &gormigrate.Migration{
	ID: "0101_attached_trash",
	Migrate: func(tx *gorm.DB) error {
		timestamp := "TIMESTAMPTZ"
		if tx.Dialector.Name() != "postgres" {
			timestamp = "DATETIME"
		}
		for _, table := range []string{"announcements", "documents"} {
			for _, stmt := range []string{
				`ALTER TABLE ` + table + ` ADD COLUMN trashed_at ` + timestamp,
				`ALTER TABLE ` + table + ` ADD COLUMN trashed_by_id BIGINT REFERENCES users (id) ON DELETE SET NULL`,
				`CREATE INDEX ` + table + `_trashed ON ` + table + ` (trashed_at) WHERE trashed_at IS NOT NULL`,
			} {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
		}
		return nil
	},
}
