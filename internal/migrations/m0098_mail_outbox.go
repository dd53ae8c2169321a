package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0098MailOutbox creates the outbox of mails to readers: each is written in the transaction
// of the change it tells of (an editor's reply to a submission), so it is sent if and only if
// that change committed, and the mail worker sends it later, retrying with backoff. The
// idempotency key is unique: one mail per submission and reply version, however often the
// write is retried. The partial index holds only the mails left to send, so the worker's
// polling stays cheap; its predicate is a literal, as the store's query spells it.
var m0098MailOutbox = &gormigrate.Migration{
	ID: "0098_mail_outbox",
	Migrate: func(tx *gorm.DB) error {
		type mailOutbox struct {
			ID             int64     `gorm:"primaryKey"`
			IdempotencyKey string    `gorm:"size:100;not null;uniqueIndex:idx_mail_outbox_key"`
			ToAddress      string    `gorm:"size:254;not null"`
			Subject        string    `gorm:"size:300;not null"`
			BodyText       string    `gorm:"not null"`
			BodyHTML       string    `gorm:"not null"`
			Status         string    `gorm:"size:20;not null"`
			Attempts       int       `gorm:"not null"`
			NextAttemptAt  time.Time `gorm:"not null"`
			LastError      string    `gorm:"size:300;not null"`
			CreatedAt      time.Time `gorm:"not null"`
			SentAt         *time.Time
		}
		if err := tx.Table("mail_outbox").AutoMigrate(&mailOutbox{}); err != nil {
			return err
		}
		return execAll(tx,
			`CREATE INDEX idx_mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE status = 'pending'`,
		)
	},
}
