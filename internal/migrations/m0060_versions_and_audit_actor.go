package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0060VersionsAndAuditActor gives every editable resource a version, so changes to categories,
// tags, document types, submissions, users and webhooks need If-Match as articles do, and
// records with each audit entry the role it was made with and the request that made it.
var m0060VersionsAndAuditActor = &gormigrate.Migration{
	ID: "0060_versions_and_audit_actor",
	Migrate: func(tx *gorm.DB) error {
		for _, table := range []string{"categories", "tags", "document_types", "submissions", "users", "webhooks"} {
			if err := tx.Exec("ALTER TABLE " + table + " ADD COLUMN version INTEGER NOT NULL DEFAULT 1").Error; err != nil {
				return err
			}
		}
		for _, column := range []string{"actor_role VARCHAR(20) NOT NULL DEFAULT ''", "request_id VARCHAR(64) NOT NULL DEFAULT ''"} {
			if err := tx.Exec("ALTER TABLE audit_log ADD COLUMN " + column).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
