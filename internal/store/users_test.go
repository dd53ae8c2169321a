package store_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestUserWritesCommitWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		admin, err := st.CreateUser(ctx, store.System, store.NewUser{Email: "admin@mattran.org.vn", Name: "Quản trị", Role: models.RoleAdmin, PasswordHash: "h0"})
		if err != nil {
			t.Fatal(err)
		}
		user := func(email string) models.User {
			var u models.User
			db.Where("email = ?", email).Limit(1).Find(&u)
			return u
		}
		var author models.User
		liveSessions := func() int64 {
			var n int64
			db.Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL", author.ID).Count(&n)
			return n
		}
		userState := func(email string) func(*testing.T) any {
			return func(*testing.T) any { return user(email) }
		}
		withSessions := func(email string) func(*testing.T) any {
			return func(*testing.T) any { return []any{user(email), liveSessions()} }
		}
		actor := store.Actor{UserID: admin.ID, Role: models.RoleAdmin, IP: "203.0.113.7", RequestID: "req-users"}
		tables := []string{"users", "sessions", "refresh_tokens"}
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "create", grows: map[string]int64{"users": 1},
				audit: store.Audit{Action: "user.create", TargetType: "user", Detail: "role=" + models.RoleAuthor},
				write: func() (id int64, err error) {
					author, err = st.CreateUser(ctx, actor, store.NewUser{Email: " TacGia@MatTran.org.vn ", Name: " Tác giả ", Role: models.RoleAuthor, PasswordHash: "h1"})
					return author.ID, err
				},
				state: userState("tacgia@mattran.org.vn"),
				check: func(t *testing.T, _ int64) {
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
			{name: "login", grows: map[string]int64{"sessions": 1, "refresh_tokens": 1},
				audit: store.Audit{Action: "auth.login", TargetType: "user"},
				write: func() (int64, error) {
					_, err := st.CreateSession(ctx, actor, "refresh-of-the-admin", testdb.Epoch.Add(time.Hour), "test")
					return admin.ID, err
				},
				state: userState("admin@mattran.org.vn"),
				check: func(t *testing.T, _ int64) {
					if u := user("admin@mattran.org.vn"); u.LastLoginAt == nil || u.Version != 1 {
						t.Errorf("after login %+v: want last_login_at set, the version unchanged", u)
					}
				}},
		})
		self := store.Actor{UserID: author.ID, Role: models.RoleAuthor, IP: "198.51.100.2", RequestID: "req-password"}
		testAuditedWrites(t, db, self, tables, []auditedWrite{
			{name: "password change",
				audit: store.Audit{Action: "auth.password_changed", TargetType: "user", Detail: "other sessions revoked"},
				write: func() (int64, error) { return author.ID, st.ChangePassword(ctx, self, "h-self", keep) },
				state: withSessions("tacgia@mattran.org.vn"),
				check: func(t *testing.T, _ int64) {
					u := user("tacgia@mattran.org.vn")
					if u.PasswordHash != "h-self" || u.Version != 2 || liveSessions() != 1 {
						t.Errorf("after the password change %+v, %v live sessions: want the new hash, version 2, the session kept", u, liveSessions())
					}
				}},
		})
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "update", audit: store.Audit{Action: "user.update", TargetType: "user", Detail: "name,active=false,password"},
				write: func() (int64, error) {
					_, err := st.UpdateUser(ctx, actor, author.ID, 2, store.UserPatch{Name: &name, Active: &inactive, PasswordHash: &hash})
					return author.ID, err
				},
				state: withSessions("tacgia@mattran.org.vn"),
				check: func(t *testing.T, _ int64) {
					u := user("tacgia@mattran.org.vn")
					if u.Name != name || u.Active || u.PasswordHash != hash || u.Version != 3 || liveSessions() != 0 {
						t.Errorf("after the update %+v, %v live sessions", u, liveSessions())
					}
				}},
		})
		if _, err := st.UpdateUser(ctx, actor, author.ID, 2, store.UserPatch{Name: &name}); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Errorf("update at a stale version: %v, want version_mismatch", err)
		}
	})
}
