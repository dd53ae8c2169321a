package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0002Users creates accounts, login sessions with their rotating refresh tokens, and the
// audit log.
var m0002Users = &gormigrate.Migration{
	ID: "0002_users",
	Migrate: func(tx *gorm.DB) error {
		type user struct {
			ID           int64  `gorm:"primaryKey"`
			Email        string `gorm:"size:254;not null;uniqueIndex"`
			Name         string `gorm:"size:200;not null"`
			Role         string `gorm:"size:20;not null"`
			Active       bool   `gorm:"not null"`
			PasswordHash string `gorm:"size:255;not null"`
			LastLoginAt  *time.Time
			CreatedAt    time.Time
			UpdatedAt    time.Time
		}
		type session struct {
			ID         int64 `gorm:"primaryKey"`
			UserID     int64 `gorm:"not null;index"`
			ExpiresAt  time.Time
			RevokedAt  *time.Time
			CreatedAt  time.Time
			LastUsedAt time.Time
			IP         string `gorm:"size:64"`
			UserAgent  string `gorm:"size:255"`
		}
		type refreshToken struct {
			Hash      string `gorm:"primaryKey;size:64"`
			SessionID int64  `gorm:"not null;index"`
			SpentAt   *time.Time
			CreatedAt time.Time
		}
		type auditEntry struct {
			ID         int64  `gorm:"primaryKey"`
			ActorID    *int64 `gorm:"index"`
			Action     string `gorm:"size:60;not null;index"`
			TargetType string `gorm:"size:40"`
			TargetID   string `gorm:"size:60"`
			IP         string `gorm:"size:64"`
			Detail     string
			CreatedAt  time.Time `gorm:"index"`
		}
		if err := tx.Table("users").AutoMigrate(&user{}); err != nil {
			return err
		}
		if err := tx.Table("sessions").AutoMigrate(&session{}); err != nil {
			return err
		}
		if err := tx.Table("refresh_tokens").AutoMigrate(&refreshToken{}); err != nil {
			return err
		}
		return tx.Table("audit_log").AutoMigrate(&auditEntry{})
	},
}
