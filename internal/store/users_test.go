package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// auditedWrite is one write of a resource, for testAuditedWrites.
type auditedWrite struct {
	name   string
	write  func() error
	state  func() any         // the rows the write changes, read afresh
	grows  map[string]int64   // tables the write adds rows to (negative: removes), by how many
	action string             // the audit entry it leaves
	check  func(t *testing.T) // what else a committed write must have done
}

// testAuditedWrites makes each write fail at its audit entry, the last statement of its
// transaction, and checks that nothing of it is left (state and every table's count as before);
// then makes it again and checks that all of it was committed, its audit entry naming actor.
func testAuditedWrites(t *testing.T, db *gorm.DB, actor store.Actor, tables []string, writes []auditedWrite) {
	t.Helper()
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before, state := counts(t, db, tables...), w.state()
			stop := failAuditWrites(t, db)
			if err := w.write(); !errors.Is(err, errInjected) {
				t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
			}
			if after := counts(t, db, tables...); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after the failed write %v, want as before %v", after, before)
			}
			if got := w.state(); !reflect.DeepEqual(got, state) {
				t.Errorf("after the failed write %+v, want as before %+v", got, state)
			}
			stop()

			if err := w.write(); err != nil {
				t.Fatal(err)
			}
			after := counts(t, db, tables...)
			for _, table := range tables {
				want := before[table] + w.grows[table]
				if table == "audit_log" {
					want++
				}
				if after[table] != want {
					t.Errorf("%s: %d rows, want %d", table, after[table], want)
				}
			}
			var e models.AuditEntry
			if err := db.Order("id DESC").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			var actorID int64
			if e.ActorID != nil {
				actorID = *e.ActorID
			}
			if e.Action != w.action || actorID != actor.UserID || e.ActorRole != actor.Role || e.IP != actor.IP || e.RequestID != actor.RequestID {
				t.Errorf("audit entry %+v, want %s by %+v", e, w.action, actor)
			}
			if w.check != nil {
				w.check(t)
			}
		})
	}
}

func TestUserWritesCommitWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		admin, err := st.CreateUser(ctx, store.System, store.NewUser{Email: "admin@mattran.org.vn", Name: "Quản trị", Role: models.RoleAdmin, PasswordHash: "h0"})
		if err != nil {
			t.Fatal(err)
		}
		user := func(email string) func() any {
			return func() any {
				var u models.User
				db.Where("email = ?", email).Limit(1).Find(&u)
				return u
			}
		}
		var author models.User
		liveSessions := func() any {
			var n int64
			db.Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL", author.ID).Count(&n)
			return n
		}
		both := func(a, b func() any) func() any { return func() any { return []any{a(), b()} } }
		actor := store.Actor{UserID: admin.ID, Role: models.RoleAdmin, IP: "203.0.113.7", RequestID: "req-users"}
		tables := []string{"users", "sessions", "refresh_tokens", "audit_log"}
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "create", action: "user.create", grows: map[string]int64{"users": 1},
				write: func() (err error) {
					author, err = st.CreateUser(ctx, actor, store.NewUser{Email: " TacGia@MatTran.org.vn ", Name: " Tác giả ", Role: models.RoleAuthor, PasswordHash: "h1"})
					return err
				},
				state: user("tacgia@mattran.org.vn"),
				check: func(t *testing.T) {
					if author.Email != "tacgia@mattran.org.vn" || author.Name != "Tác giả" || !author.Active || author.Version != 1 {
						t.Errorf("created %+v", author)
					}
				}},
		})
		// Sessions of the author, for the writes that revoke them.
		for _, refresh := range []string{"refresh-1", "refresh-2"} {
			if _, err := st.CreateSession(ctx, store.Actor{UserID: author.ID, Role: models.RoleAuthor}, refresh, testdb.Epoch.Add(time.Hour), "test"); err != nil {
				t.Fatal(err)
			}
		}
		var keep int64
		db.Model(&models.Session{}).Where("user_id = ?", author.ID).Order("id").Limit(1).Pluck("id", &keep)
		name, inactive, hash := "Tác giả mới", false, "h2"
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "login", action: "auth.login", grows: map[string]int64{"sessions": 1, "refresh_tokens": 1},
				write: func() error {
					_, err := st.CreateSession(ctx, actor, "refresh-of-the-admin", testdb.Epoch.Add(time.Hour), "test")
					return err
				},
				state: user("admin@mattran.org.vn"),
				check: func(t *testing.T) {
					if u := user("admin@mattran.org.vn")().(models.User); u.LastLoginAt == nil || u.Version != 1 {
						t.Errorf("after login %+v: want last_login_at set, the version unchanged", u)
					}
				}},
		})
		self := store.Actor{UserID: author.ID, Role: models.RoleAuthor, IP: "198.51.100.2", RequestID: "req-password"}
		testAuditedWrites(t, db, self, tables, []auditedWrite{
			{name: "password change", action: "auth.password_changed",
				write: func() error { return st.ChangePassword(ctx, self, "h-self", keep) },
				state: both(user("tacgia@mattran.org.vn"), liveSessions),
				check: func(t *testing.T) {
					u := user("tacgia@mattran.org.vn")().(models.User)
					if u.PasswordHash != "h-self" || u.Version != 2 || liveSessions().(int64) != 1 {
						t.Errorf("after the password change %+v, %v live sessions: want the new hash, version 2, the session kept", u, liveSessions())
					}
				}},
		})
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "update", action: "user.update",
				write: func() error {
					_, err := st.UpdateUser(ctx, actor, author.ID, 2, store.UserPatch{Name: &name, Active: &inactive, PasswordHash: &hash})
					return err
				},
				state: both(user("tacgia@mattran.org.vn"), liveSessions),
				check: func(t *testing.T) {
					u := user("tacgia@mattran.org.vn")().(models.User)
					if u.Name != name || u.Active || u.PasswordHash != hash || u.Version != 3 || liveSessions().(int64) != 0 {
						t.Errorf("after the update %+v, %v live sessions", u, liveSessions())
					}
					var e models.AuditEntry
					db.Order("id DESC").Take(&e)
					if e.Detail != "name,active=false,password" {
						t.Errorf("audit detail %q", e.Detail)
					}
				}},
		})
		if _, err := st.UpdateUser(ctx, actor, author.ID, 2, store.UserPatch{Name: &name}); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Errorf("update at a stale version: %v, want version_mismatch", err)
		}
	})
}
