package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
)

// The mail outbox: a write that tells a reader something (an editor's reply) calls enqueueMail
// in its own transaction, and the mail worker sends the due mails (ClaimMails) and records
// each outcome (RecordMailAttempt). A mail is in the outbox before its change commits, so a
// crash never loses one; one recorded as sent is never sent again. A worker that dies between
// the SMTP server's answer and the record sends that mail again when its lease ends: with SMTP,
// at least once is the honest guarantee (each mail's Message-ID lets a client drop the copy).

// MailWake receives a value after a committed write of this process that enqueued a mail.
func (s *Store) MailWake() <-chan struct{} { return s.mailWake }

// enqueueMail records a mail, due now, in the transaction of the change it tells of. A mail
// whose idempotency key is already recorded is left out: the change was told of already.
func enqueueMail(tx *gorm.DB, m models.OutboxMail) error {
	m.Status, m.Attempts, m.LastError = models.MailPending, 0, ""
	m.CreatedAt = tx.NowFunc().UTC()
	m.NextAttemptAt = m.CreatedAt
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "idempotency_key"}}, DoNothing: true}).Create(&m).Error
	if err != nil {
		return err
	}
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		st.mailed = true
	}
	return nil
}

// ClaimMails takes up to limit pending mails due at now, the longest due first, counts an
// attempt for each and leases them until now+lease: no worker takes them again before, and if
// this one dies while sending, they are sent after it. Several processes on one PostgreSQL
// database take different mails (FOR UPDATE SKIP LOCKED). With nothing due it only reads.
func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]models.OutboxMail, error) {
	now = now.UTC()
	// The predicate is the partial index's (migration 0098), spelled as a literal.
	due := func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.OutboxMail{}).Where("status = 'pending' AND next_attempt_at <= ?", now).
			Order("next_attempt_at, id").Limit(limit)
	}
	var found []int64
	if err := due(s.db.WithContext(ctx)).Pluck("id", &found).Error; err != nil || len(found) == 0 {
		return nil, err
	}
	var out []models.OutboxMail
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		var ids []int64
		if err := s.skipLocked(due(tx)).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return Audit{}, err
		}
		err := tx.Model(&models.OutboxMail{}).Where("id IN ?", ids).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "next_attempt_at": now.Add(lease)}).Error
		if err != nil {
			return Audit{}, err
		}
		return Audit{}, tx.Where("id IN ?", ids).Order("id").Find(&out).Error
	})
	return out, err
}

// MailAttempt is the outcome of one attempt at sending a claimed mail.
type MailAttempt struct {
	ID     int64
	Status string    // models.MailSent, MailPending (tried again at Next) or MailFailed
	At     time.Time // when it was made: the mail's sent_at when sent
	Next   time.Time // for MailPending
	Error  string    // "" when sent
}

// RecordMailAttempt stores the outcome of an attempt. Only a pending mail is changed: one
// recorded as sent (by a worker whose lease ran out) stays sent.
func (s *Store) RecordMailAttempt(ctx context.Context, a MailAttempt) error {
	updates := map[string]any{"status": a.Status, "last_error": a.Error}
	switch a.Status {
	case models.MailSent:
		updates["sent_at"] = a.At.UTC()
	case models.MailPending:
		updates["next_attempt_at"] = a.Next.UTC()
	case models.MailFailed:
	default:
		return errors.New("mail attempt: unknown status " + a.Status)
	}
	return s.db.WithContext(ctx).Model(&models.OutboxMail{}).Where("id = ? AND status = ?", a.ID, models.MailPending).
		Updates(updates).Error
}

// MailsQueued counts the mails not yet sent nor given up on.
func (s *Store) MailsQueued(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.OutboxMail{}).Where("status = 'pending'").Count(&n).Error
	return n, err
}
