package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// Actor is who makes a change, as the audit log records it: the user and the role they were
// authorised with (none for a reader or the system), the client's address and the request.
type Actor struct {
	UserID    int64 // 0: not a user (a reader, or toasoan itself)
	Role      string
	IP        string
	RequestID string
}

// System is the actor of toasoan's own writes (the view flush, webhook deliveries, the seed).
var System = Actor{}

// Audit is the entry a write leaves in the audit log: what was done to which item. The zero
// Audit records nothing (writes that are not an actor's change, such as the view flush).
type Audit struct {
	Action     string // e.g. article.publish
	TargetType string // e.g. article
	TargetID   string
	Detail     string // never personal data
}

// write is the one way toasoan changes its data. fn makes the change in tx (locks, checks,
// rows, revision, search entry, outbox event) and says what to audit; the audit entry is then
// written in the same transaction, as its last statement, so a change and the record of who
// made it commit or roll back together, even if the client has gone. Once committed, this
// process's webhook dispatcher is woken, as fn may have enqueued events: they go out at once
// rather than at its next poll. (Waking it before the commit would be too early.)
func (s *Store) write(ctx context.Context, actor Actor, fn func(tx *gorm.DB) (Audit, error)) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := fn(tx)
		if err != nil || a.Action == "" {
			return err
		}
		return writeAudit(tx, actor, a)
	})
	if err == nil {
		select {
		case s.webhookWake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return err
}

// writeAudit records an entry of the audit log in tx.
func writeAudit(tx *gorm.DB, actor Actor, a Audit) error {
	e := models.AuditEntry{
		Action: a.Action, TargetType: a.TargetType, TargetID: truncate(a.TargetID, 60), Detail: a.Detail,
		ActorRole: actor.Role, IP: truncate(actor.IP, 64), RequestID: truncate(actor.RequestID, 64),
		CreatedAt: tx.NowFunc().UTC(),
	}
	if actor.UserID != 0 {
		e.ActorID = &actor.UserID
	}
	return tx.Create(&e).Error
}

// Record writes an audit entry that is not part of a change: a failed login, a refused refresh.
func (s *Store) Record(ctx context.Context, actor Actor, a Audit) error {
	return s.write(ctx, actor, func(*gorm.DB) (Audit, error) { return a, nil })
}
