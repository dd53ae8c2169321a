package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0050Webhooks creates webhooks, the outbox of events written with each change, one delivery
// per event and subscribed webhook, and the attempts of each delivery. The partial indexes hold
// only the work left to do (events not fanned out, deliveries pending), so the dispatcher's
// polling stays cheap however long the history grows; their predicates are literals, as the
// store's queries spell them.
var m0050Webhooks = &gormigrate.Migration{
	ID: "0050_webhooks",
	Migrate: func(tx *gorm.DB) error {
		type webhook struct {
			ID        int64  `gorm:"primaryKey"`
			URL       string `gorm:"size:2000;not null"`
			Events    string `gorm:"not null"` // JSON array of event types
			Secret    string `gorm:"size:200;not null"`
			Active    bool   `gorm:"not null"`
			CreatedAt time.Time
			UpdatedAt time.Time
		}
		type webhookEvent struct {
			ID        int64  `gorm:"primaryKey"`
			Type      string `gorm:"size:40;not null"`
			Data      string `gorm:"not null"`
			FannedOut bool   `gorm:"not null"`
			CreatedAt time.Time
		}
		type webhookDelivery struct {
			ID             int64     `gorm:"primaryKey"`
			WebhookID      int64     `gorm:"not null;uniqueIndex:idx_webhook_deliveries_once,priority:1"`
			EventID        int64     `gorm:"not null;uniqueIndex:idx_webhook_deliveries_once,priority:2"`
			Status         string    `gorm:"size:20;not null"`
			Attempts       int       `gorm:"not null"`
			NextAttemptAt  time.Time `gorm:"not null"`
			LastStatusCode *int
			LastError      string `gorm:"size:300;not null"`
			ResponseMS     *int64
			CreatedAt      time.Time
			DeliveredAt    *time.Time
		}
		type webhookAttempt struct {
			ID          int64     `gorm:"primaryKey"`
			DeliveryID  int64     `gorm:"not null;uniqueIndex:idx_webhook_attempts_number,priority:1"`
			Number      int       `gorm:"not null;uniqueIndex:idx_webhook_attempts_number,priority:2"`
			AttemptedAt time.Time `gorm:"not null"`
			StatusCode  *int
			Error       string `gorm:"size:300;not null"`
			ResponseMS  int64  `gorm:"not null"`
		}
		if err := tx.Table("webhooks").AutoMigrate(&webhook{}); err != nil {
			return err
		}
		if err := tx.Table("webhook_events").AutoMigrate(&webhookEvent{}); err != nil {
			return err
		}
		if err := tx.Table("webhook_deliveries").AutoMigrate(&webhookDelivery{}); err != nil {
			return err
		}
		if err := tx.Table("webhook_attempts").AutoMigrate(&webhookAttempt{}); err != nil {
			return err
		}
		return execAll(tx,
			`CREATE INDEX idx_webhook_deliveries_log ON webhook_deliveries (webhook_id, id)`,
			`CREATE INDEX idx_webhook_events_new ON webhook_events (id) WHERE fanned_out = false`,
			`CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending'`,
		)
	},
}
