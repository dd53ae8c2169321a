package store

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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

// write is the one way toasoan changes its data. fn makes the change in tx (locks, checks,
// rows, revision, search entry, outbox event) and says what to audit; the audit entry is then
// written in the same transaction, as its last statement, so a change and the record of who
// made it commit or roll back together, even if the client has gone. Once a write that
// enqueued an event has committed, this process's webhook dispatcher is woken: the event goes
// out at once rather than at its next poll. (Waking it before the commit would be too early.)
func (s *Store) write(ctx context.Context, actor Actor, fn func(tx *gorm.DB) (Audit, error)) error {
	enqueued := new(bool)
	err := s.db.WithContext(context.WithValue(ctx, enqueuedKey{}, enqueued)).Transaction(func(tx *gorm.DB) error {
		a, err := fn(tx)
		if err != nil || a.Action == "" {
			return err
		}
		return writeAudit(tx, actor, a)
	})
	// Only a write that enqueued an event wakes the dispatcher: its own writes (fan-out,
	// claims, attempts) enqueue none, so it never wakes itself into a busy loop.
	if err == nil && *enqueued {
		select {
		case s.webhookWake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return err
}

// enqueuedKey carries, in a write's context, whether it enqueued a webhook event.
type enqueuedKey struct{}

// markEnqueued notes that tx's write enqueued a webhook event.
func markEnqueued(tx *gorm.DB) {
	if enqueued, ok := tx.Statement.Context.Value(enqueuedKey{}).(*bool); ok {
		*enqueued = true
	}
}

// locking adds FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive.
func (s *Store) locking(tx *gorm.DB) *gorm.DB {
	if s.Dialect() == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}
