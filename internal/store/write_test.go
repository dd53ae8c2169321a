package store_test

import (
	"errors"
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
