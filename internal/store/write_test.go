package store_test

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// errInjected is the failure a rollback test injects into a write.
var errInjected = errors.New("injected failure")

// failAuditWrites makes every insert into the audit log fail while it is on. The audit entry is
// the last statement of every write (store.write), after the main row, its revision, search
// entry and outbox event: a write that fails there must leave none of them behind.
func failAuditWrites(t *testing.T, db *gorm.DB) (stop func()) {
	t.Helper()
	on := true
	name := "test:fail_audit:" + t.Name()
	err := db.Callback().Create().Before("gorm:create").Register(name, func(tx *gorm.DB) {
		if on && tx.Statement.Table == "audit_log" {
			_ = tx.AddError(errInjected)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Callback().Create().Remove(name) })
	return func() { on = false }
}

// counts is how many rows each table holds, for before/after comparisons.
func counts(t *testing.T, db *gorm.DB, tables ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// newActor makes a user of the role and returns them as the actor of a request, with the
// address and request ID the audit log must record.
func newActor(t *testing.T, db *gorm.DB, role string) store.Actor {
	t.Helper()
	u := models.User{Email: role + "@toasoan.test", Name: "Biên tập viên", Role: role, Active: true, PasswordHash: "x"}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	return store.Actor{UserID: u.ID, Role: role, IP: "203.0.113.9", RequestID: "req-" + role}
}

// auditedWrite is one write of a resource, for testAuditedWrites.
type auditedWrite struct {
	name  string
	write func() (int64, error)        // makes the write; returns the id of the item written, its audit entry's target
	state func(t *testing.T) any       // the rows the write changes, read afresh
	grows map[string]int64             // tables the write adds rows to (negative: removes), by how many
	event string                       // the webhook event it enqueues, if any
	audit store.Audit                  // the audit entry it leaves; its TargetID is the id write returns
	check func(t *testing.T, id int64) // what else a committed write must have done
}

// testAuditedWrites makes each write fail at its audit entry, the last statement of its
// transaction, and checks that nothing of it is left (state and every table's count as before);
// then makes it again and checks that all of it was committed: its state changed, each table
// grown as stated, its webhook event and its audit entry, naming actor, written.
// webhook_events and audit_log are always counted, with the tables given.
func testAuditedWrites(t *testing.T, db *gorm.DB, actor store.Actor, tables []string, writes []auditedWrite) {
	t.Helper()
	tables = append(slices.Clone(tables), "webhook_events", "audit_log")
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before, state := counts(t, db, tables...), w.state(t)
			stop := failAuditWrites(t, db)
			if _, err := w.write(); !errors.Is(err, errInjected) {
				t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
			}
			stop()
			if after := counts(t, db, tables...); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after the failed write %v, want as before %v", after, before)
			}
			if got := w.state(t); !reflect.DeepEqual(got, state) {
				t.Errorf("after the failed write %+v, want as before %+v", got, state)
			}

			id, err := w.write()
			if err != nil {
				t.Fatal(err)
			}
			if got := w.state(t); reflect.DeepEqual(got, state) {
				t.Errorf("the committed write left its state as it was: %+v", got)
			}
			after := counts(t, db, tables...)
			for _, table := range tables {
				want := before[table] + w.grows[table]
				if table == "audit_log" || table == "webhook_events" && w.event != "" {
					want++
				}
				if after[table] != want {
					t.Errorf("%s: %d rows, want %d", table, after[table], want)
				}
			}
			if w.event != "" {
				var e models.WebhookEvent
				if err := db.Order("id DESC").Take(&e).Error; err != nil || e.Type != w.event {
					t.Errorf("webhook event %q (%v), want %s", e.Type, err, w.event)
				}
			}
			var e models.AuditEntry
			if err := db.Order("id DESC").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			by := store.Actor{Role: e.ActorRole, IP: e.IP, RequestID: e.RequestID}
			if e.ActorID != nil {
				by.UserID = *e.ActorID
			}
			want := w.audit
			want.TargetID = strconv.FormatInt(id, 10)
			if got := (store.Audit{Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Detail: e.Detail}); got != want || by != actor {
				t.Errorf("audit entry %+v by %+v, want %+v by %+v", got, by, want, actor)
			}
			if w.check != nil {
				w.check(t, id)
			}
		})
	}
}

// rows reads the rows q finds, for a write's state.
func rows(t *testing.T, q *gorm.DB) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := q.Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}
