package store

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/surrogate"
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
// rows, revision, search entry, outbox event, purge keys) and says what to audit; the audit
// entry is then written in the same transaction, as its last statement, so a change and the
// record of who made it commit or roll back together, even if the client has gone. So are the
// purge keys sent to the other processes (NOTIFY, delivered at commit). Once the write has
// committed, this process's subscribers drop what it purged, and if it enqueued an event this
// process's webhook dispatcher is woken (and its mail worker, for a mail): the event goes out
// at once rather than at its next poll. (Doing either before the commit would be too early.)
func (s *Store) write(ctx context.Context, actor Actor, fn func(tx *gorm.DB) (Audit, error)) error {
	st := &writeState{}
	err := s.db.WithContext(context.WithValue(ctx, writeStateKey{}, st)).Transaction(func(tx *gorm.DB) error {
		a, err := fn(tx)
		if err != nil {
			return err
		}
		if !st.noSync {
			if err := s.recordSync(tx, st.purge.Keys(), st.synced); err != nil {
				return err
			}
		}
		if err := s.notifyPurge(tx, st.purge.Keys()); err != nil {
			return err
		}
		if a.Action == "" {
			return nil
		}
		return writeAudit(tx, actor, a)
	})
	if err != nil {
		return err
	}
	s.purges.publish(st.purge.Keys())
	// Only a write that enqueued an event wakes the dispatcher: its own writes (fan-out,
	// claims, attempts) enqueue none, so it never wakes itself into a busy loop.
	if st.enqueued {
		wake(s.webhookWake)
	}
	if st.mailed {
		wake(s.mailWake)
	}
	return nil
}

// wake sends a wake-up to a worker, unless one is pending already.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// writeState is what a write's fn notes in its context: whether it enqueued a webhook event
// or a mail, and what public content it changed.
type writeState struct {
	enqueued bool
	mailed   bool
	purge    surrogate.Set
	noSync   bool      // what it purges is no change apps sync (noSync)
	synced   []syncRef // items it changed besides those its purge keys name (touchSync)
}

type writeStateKey struct{}

// markEnqueued notes that tx's write enqueued a webhook event.
func markEnqueued(tx *gorm.DB) {
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		st.enqueued = true
	}
}

// locking adds FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive.
func (s *Store) locking(tx *gorm.DB) *gorm.DB {
	if s.Dialect() == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}
