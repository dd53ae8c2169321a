package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
)

// NormalizeEmail is the stored form of an email: trimmed and lower-cased, so uniqueness and
// login ignore case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CountUsers counts every account.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.User{}).Count(&n).Error
	return n, err
}

// CreateUser inserts an account; a taken email is a conflict.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	u.Email = NormalizeEmail(u.Email)
	err := s.db.WithContext(ctx).Create(u).Error
	if isDuplicate(err) {
		return models.Conflict("a user with email %s already exists", u.Email)
	}
	return err
}

// UserByEmail finds an account by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (models.User, error) {
	var u models.User
	err := s.db.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error
	return u, notFound(err, "user")
}

// UserByID finds an account.
func (s *Store) UserByID(ctx context.Context, id int64) (models.User, error) {
	var u models.User
	err := s.db.WithContext(ctx).Take(&u, id).Error
	return u, notFound(err, "user")
}

// ListUsers returns a page of accounts, oldest first, and the total.
func (s *Store) ListUsers(ctx context.Context, p models.Page) ([]models.User, int64, error) {
	var users []models.User
	var total int64
	q := s.db.WithContext(ctx).Model(&models.User{})
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	err := q.Order("id").Limit(p.PerPage).Offset(p.Offset()).Find(&users).Error
	return users, total, err
}

// UserPatch holds the fields of an account to change; nil means unchanged.
type UserPatch struct {
	Name         *string
	Role         *string
	Active       *bool
	PasswordHash *string
}

// UpdateUser changes an account. The last active admin can be neither demoted nor deactivated
// (conflict); deactivating or setting a new password revokes every session of the user.
func (s *Store) UpdateUser(ctx context.Context, id int64, p UserPatch) (models.User, error) {
	var u models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.locking(tx).Take(&u, id).Error; err != nil {
			return notFound(err, "user")
		}
		losesAdmin := u.Role == models.RoleAdmin && u.Active &&
			((p.Role != nil && *p.Role != models.RoleAdmin) || (p.Active != nil && !*p.Active))
		if losesAdmin {
			var others []int64
			err := s.locking(tx).Model(&models.User{}).
				Where("role = ? AND active = ? AND id <> ?", models.RoleAdmin, true, id).Pluck("id", &others).Error
			if err != nil {
				return err
			}
			if len(others) == 0 {
				return models.Conflict("this is the last active admin: make another admin first")
			}
		}
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Role != nil {
			u.Role = *p.Role
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if p.PasswordHash != nil {
			u.PasswordHash = *p.PasswordHash
		}
		if err := tx.Save(&u).Error; err != nil {
			return err
		}
		if (p.Active != nil && !*p.Active) || p.PasswordHash != nil {
			return revokeSessions(tx, id, 0)
		}
		return nil
	})
	return u, err
}

// locking adds FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive.
func (s *Store) locking(tx *gorm.DB) *gorm.DB {
	if s.Dialect() == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// CreateSession starts a login session with its first refresh token and records the login.
func (s *Store) CreateSession(ctx context.Context, userID int64, refreshHash string, expires time.Time, ip, userAgent string) (int64, error) {
	now := s.Now().UTC()
	sess := models.Session{UserID: userID, ExpiresAt: expires, CreatedAt: now, LastUsedAt: now, IP: ip, UserAgent: truncate(userAgent, 255)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.RefreshToken{Hash: refreshHash, SessionID: sess.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		return tx.Model(&models.User{}).Where("id = ?", userID).UpdateColumn("last_login_at", now).Error
	})
	return sess.ID, err
}

// ErrRefreshReused means a spent refresh token was presented: its session has been revoked.
var ErrRefreshReused = errors.New("refresh token reused")

// RotateRefresh spends a refresh token and stores its successor in the same session. A token
// already spent revokes the whole session (theft detection) and returns ErrRefreshReused; an
// unknown token, a revoked or expired session or an inactive user is unauthorized.
func (s *Store) RotateRefresh(ctx context.Context, oldHash, newHash string, now time.Time) (models.User, int64, error) {
	var user models.User
	var sessionID int64
	reused := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var tok models.RefreshToken
		if err := tx.Take(&tok, "hash = ?", oldHash).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.Unauthorized("the refresh token is not valid")
			}
			return err
		}
		sessionID = tok.SessionID
		spend := tx.Model(&models.RefreshToken{}).Where("hash = ? AND spent_at IS NULL", oldHash).Update("spent_at", now)
		if spend.Error != nil {
			return spend.Error
		}
		if spend.RowsAffected == 0 {
			reused = true
			return revokeSession(tx, tok.SessionID, now)
		}
		var sess models.Session
		if err := tx.Take(&sess, tok.SessionID).Error; err != nil {
			return err
		}
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
			return models.Unauthorized("the session has ended; log in again")
		}
		if err := tx.Take(&user, sess.UserID).Error; err != nil {
			return err
		}
		if !user.Active {
			return models.Unauthorized("the account is deactivated")
		}
		if err := tx.Create(&models.RefreshToken{Hash: newHash, SessionID: sess.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		return tx.Model(&sess).UpdateColumn("last_used_at", now).Error
	})
	if err == nil && reused {
		return user, sessionID, ErrRefreshReused
	}
	return user, sessionID, err
}

// RevokeByRefresh ends the session a refresh token belongs to (logout) and returns its user;
// an unknown token ends nothing and returns 0.
func (s *Store) RevokeByRefresh(ctx context.Context, hash string) (int64, error) {
	var userID int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var tok models.RefreshToken
		if err := tx.Take(&tok, "hash = ?", hash).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil
			}
			return err
		}
		var sess models.Session
		if err := tx.Take(&sess, tok.SessionID).Error; err != nil {
			return err
		}
		userID = sess.UserID
		return revokeSession(tx, sess.ID, tx.NowFunc().UTC())
	})
	return userID, err
}

// ChangePassword stores a new password hash and revokes every session of the user but keep.
func (s *Store) ChangePassword(ctx context.Context, userID int64, hash string, keep int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": tx.NowFunc().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.NotFound("user")
		}
		return revokeSessions(tx, userID, keep)
	})
}

// ReplacePasswordHash swaps the stored hash for one of the same password made with new
// parameters; a password changed meanwhile (the old hash no longer stored) is left alone. It is
// not an edit of the account: updated_at stays.
func (s *Store) ReplacePasswordHash(ctx context.Context, userID int64, oldHash, newHash string) error {
	return s.db.WithContext(ctx).Model(&models.User{}).Where("id = ? AND password_hash = ?", userID, oldHash).
		UpdateColumn("password_hash", newHash).Error
}

// SessionRole is the check made on every authenticated request, one primary-key lookup: the
// session must be live and its user active. It returns the user's current role.
func (s *Store) SessionRole(ctx context.Context, sessionID, userID int64, now time.Time) (string, error) {
	var row struct {
		Role      string
		Active    bool
		RevokedAt *time.Time
		ExpiresAt time.Time
	}
	err := s.db.WithContext(ctx).Table("sessions").
		Select("users.role, users.active, sessions.revoked_at, sessions.expires_at").
		Joins("JOIN users ON users.id = sessions.user_id").
		Where("sessions.id = ? AND sessions.user_id = ?", sessionID, userID).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", models.Unauthorized("the session does not exist")
	}
	if err != nil {
		return "", err
	}
	if row.RevokedAt != nil || !now.Before(row.ExpiresAt) || !row.Active {
		return "", models.Unauthorized("the session has ended; log in again")
	}
	return row.Role, nil
}

func revokeSession(tx *gorm.DB, sessionID int64, now time.Time) error {
	return tx.Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", sessionID).Update("revoked_at", now).Error
}

// revokeSessions ends every live session of the user except keep (0 keeps none).
func revokeSessions(tx *gorm.DB, userID, keep int64) error {
	return tx.Model(&models.Session{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, keep).
		Update("revoked_at", tx.NowFunc().UTC()).Error
}

// Audit records an entry of the audit log.
func (s *Store) Audit(ctx context.Context, e models.AuditEntry) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.Now().UTC()
	}
	return s.db.WithContext(ctx).Create(&e).Error
}

// AuditFilter narrows the audit log; zero values do not filter.
type AuditFilter struct {
	Action     string
	ActorID    int64
	TargetType string
	TargetID   string
}

// AuditEntries returns the newest audit entries first, and the total.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter, p models.Page) ([]models.AuditEntry, int64, error) {
	out := []models.AuditEntry{}
	var total int64
	q := s.db.WithContext(ctx).Model(&models.AuditEntry{})
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	err := q.Order("id DESC").Limit(p.PerPage).Offset(p.Offset()).Find(&out).Error
	return out, total, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
