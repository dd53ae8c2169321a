package store_test

import (
	"errors"
	"testing"

	"gorm.io/gorm"
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
