package models

import "time"

// Statuses of a mail in the outbox.
const (
	MailPending = "pending" // not yet accepted by the SMTP server; tried again at NextAttemptAt
	MailSent    = "sent"    // accepted by the SMTP server (or logged, without one)
	MailFailed  = "failed"  // every attempt failed
)

// OutboxMail is a mail to a reader, written in the transaction of the change it tells of (an
// outbox), so it is sent if and only if that change committed. Its address and body are
// personal data: they are never logged in full, and never shown by the API.
type OutboxMail struct {
	ID int64 `gorm:"primaryKey"`
	// IdempotencyKey names what the mail is about (submission-reply:{id}:v{version}): a second
	// mail with the same key is not recorded.
	IdempotencyKey string    `gorm:"size:100;not null"`
	ToAddress      string    `gorm:"size:254;not null"`
	Subject        string    `gorm:"size:300;not null"`
	BodyText       string    `gorm:"not null"`
	BodyHTML       string    `gorm:"not null"` // "" for text only
	Status         string    `gorm:"size:20;not null"`
	Attempts       int       `gorm:"not null"` // attempts claimed so far, the one under way included
	NextAttemptAt  time.Time `gorm:"not null"`
	LastError      string    `gorm:"size:300;not null"`
	CreatedAt      time.Time `gorm:"not null"`
	SentAt         *time.Time
}

// TableName is the outbox's table.
func (OutboxMail) TableName() string { return "mail_outbox" }
