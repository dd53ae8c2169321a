package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/surrogate"
)

// Purges: a write that changes public content names what it changed (purge, with the keys of
// package surrogate); once it commits, everything that keeps public content in memory and has
// subscribed (OnPurge: the response cache) drops what carries those keys. On PostgreSQL the
// keys also go, in the write's own transaction, to every other process on the database:
// NOTIFY is delivered at commit and only then, so no process hears of a change that rolled back,
// and each process's ListenPurges applies them within moments. Writes that change nothing
// public (a login, a session, a submission, an audit entry, a view flush) purge nothing.

// purgeChannel is the PostgreSQL channel of purges in schema: notifications go to the whole
// database, and two toasoan databases may share one (as the tests' schemas do).
func purgeChannel(schema string) string { return "toasoan_purge_" + schema }

// maxNotifyPayload stays under PostgreSQL's 8,000-byte limit for a notification's payload; a
// longer list of keys is sent as surrogate.All.
const maxNotifyPayload = 7900

// purges is what a Store and its clock-stopped copies (At) share: the subscribers and the id
// this process signs its notifications with, to skip its own.
type purges struct {
	origin string
	mu     sync.Mutex
	subs   []func(keys []string)
	schema string // PostgreSQL's current schema, read at the first notification
	// caughtUp, with replicas (UseReplicas), runs before the subscribers: from then on no
	// public read goes to a replica that has not replayed the purged write.
	caughtUp func()
}

func newPurges() *purges {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &purges{origin: hex.EncodeToString(b)}
}

// OnPurge subscribes f to the keys purged by each committed write, this process's and (with
// ListenPurges running) every other process's. f runs on the writer's goroutine: keep it short.
func (s *Store) OnPurge(f func(keys []string)) {
	s.purges.mu.Lock()
	defer s.purges.mu.Unlock()
	s.purges.subs = append(s.purges.subs, f)
}

func (p *purges) publish(keys []string) {
	if len(keys) == 0 {
		return
	}
	p.mu.Lock()
	subs, caughtUp := p.subs, p.caughtUp
	p.mu.Unlock()
	if caughtUp != nil {
		caughtUp()
	}
	for _, f := range subs {
		f(keys)
	}
}

// purge notes, in tx's write, that keys' public content changes; write publishes them when the
// transaction commits.
func purge(tx *gorm.DB, keys ...string) {
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		st.purge.Add(keys...)
	}
}

// purgedKeys is what tx's write has purged so far (for the webhook event it enqueues).
func purgedKeys(tx *gorm.DB) []string {
	if st, ok := tx.Statement.Context.Value(writeStateKey{}).(*writeState); ok {
		return st.purge.Keys()
	}
	return nil
}

// notifyPurge sends keys to the other processes, in tx: delivered when tx commits.
func (s *Store) notifyPurge(tx *gorm.DB, keys []string) error {
	if s.Dialect() != Postgres || len(keys) == 0 {
		return nil
	}
	s.purges.mu.Lock()
	schema := s.purges.schema
	s.purges.mu.Unlock()
	if schema == "" {
		if err := tx.Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
			return err
		}
		s.purges.mu.Lock()
		s.purges.schema = schema
		s.purges.mu.Unlock()
	}
	payload := s.purges.origin + " " + surrogate.Header(keys)
	if len(payload) > maxNotifyPayload {
		payload = s.purges.origin + " " + surrogate.All
	}
	return tx.Exec("SELECT pg_notify(?, ?)", purgeChannel(schema), payload).Error
}

// ListenPurges applies, until ctx ends, the purges of the other processes on the same
// PostgreSQL database (dsn): it LISTENs on its own connection and passes each notification's
// keys to the subscribers. After a lost connection it reconnects (waiting up to 5 s between
// tries) and purges surrogate.All, as notifications sent meanwhile are lost. On SQLite, where
// one process owns the database, it returns at once. ready, if not nil, is closed once the
// first LISTEN is in place.
func (s *Store) ListenPurges(ctx context.Context, dsn string, log *slog.Logger, ready chan<- struct{}) error {
	if s.Dialect() != Postgres {
		if ready != nil {
			close(ready)
		}
		return nil
	}
	wait := 100 * time.Millisecond
	for first := true; ; first = false {
		err := s.listen(ctx, dsn, !first, func() {
			wait = 100 * time.Millisecond
			if ready != nil {
				close(ready)
				ready = nil
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("purge listener disconnected; reconnecting", "error", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listen is one connection's life: LISTEN, then apply notifications until it fails.
func (s *Store) listen(ctx context.Context, dsn string, missed bool, listening func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{purgeChannel(schema)}.Sanitize()); err != nil {
		return err
	}
	if missed { // whatever was purged while no one listened
		s.purges.publish([]string{surrogate.All})
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		origin, keys, _ := strings.Cut(n.Payload, " ")
		if origin == s.purges.origin {
			continue // this process applied its own purge at commit
		}
		s.purges.publish(surrogate.Parse(keys))
	}
}
