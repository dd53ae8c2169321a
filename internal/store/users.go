package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
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

// NewUser is an account to create.
type NewUser struct {
	Email, Name, Role, PasswordHash string
}

// CreateUser inserts an active account with its author profile's slug (from the name); a taken
// email is a conflict.
func (s *Store) CreateUser(ctx context.Context, actor Actor, in NewUser) (models.User, error) {
	u := models.User{Email: NormalizeEmail(models.CleanText(in.Email)), Name: models.CleanText(in.Name), Role: in.Role,
		Active: true, PasswordHash: in.PasswordHash}
	taken := models.Conflict("a user with email %s already exists", u.Email)
	// The email is checked before the insert, so that a duplicate the insert meets is the slug
	// another user took meanwhile: the create runs again with the next free one.
	err := retryGeneratedSlug(true, func() error {
		return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
			var n int64
			if err := tx.Model(&models.User{}).Where("email = ?", u.Email).Count(&n).Error; err != nil {
				return Audit{}, err
			}
			if n > 0 {
				return Audit{}, taken
			}
			slug, err := slugOfNewAuthor(tx, u.Name)
			if err != nil {
				return Audit{}, err
			}
			u.ID, u.Slug = 0, slug
			if err := tx.Create(&u).Error; err != nil {
				return Audit{}, err
			}
			return Audit{Action: "user.create", TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10), Detail: "role=" + u.Role}, nil
		})
	})
	if models.ErrorCode(err) == models.CodeConflict {
		// A duplicate still after the retries: the email, taken by a concurrent create.
		err = taken
	}
	return u, err
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

// describe is the audit detail of a change: which fields, never a name or password.
func (p UserPatch) describe() string {
	var parts []string
	if p.Name != nil {
		parts = append(parts, "name")
	}
	if p.Role != nil {
		parts = append(parts, "role="+*p.Role)
	}
	if p.Active != nil {
		parts = append(parts, "active="+strconv.FormatBool(*p.Active))
	}
	if p.PasswordHash != nil {
		parts = append(parts, "password")
	}
	return strings.Join(parts, ",")
}

// UpdateUser changes an account at the version the client read. The last active admin can be
// neither demoted nor deactivated (conflict); deactivating or setting a new password revokes
// every session of the user.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, id int64, version int, p UserPatch) (models.User, error) {
	var u models.User
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &u, "user", id, version); err != nil {
			return Audit{}, err
		}
		losesAdmin := u.Role == models.RoleAdmin && u.Active &&
			((p.Role != nil && *p.Role != models.RoleAdmin) || (p.Active != nil && !*p.Active))
		if losesAdmin {
			var others []int64
			err := s.locking(tx).Model(&models.User{}).
				Where("role = ? AND active = ? AND id <> ?", models.RoleAdmin, true, id).Pluck("id", &others).Error
			if err != nil {
				return Audit{}, err
			}
			if len(others) == 0 {
				return Audit{}, models.Conflict("this is the last active admin: make another admin first")
			}
		}
		updates := map[string]any{}
		if p.Name != nil {
			updates["name"] = models.CleanText(*p.Name)
		}
		if p.Role != nil {
			updates["role"] = *p.Role
		}
		if p.Active != nil {
			updates["active"] = *p.Active
		}
		if p.PasswordHash != nil {
			updates["password_hash"] = *p.PasswordHash
		}
		if err := updateVersioned(tx, &models.User{}, "user", id, version, updates); err != nil {
			return Audit{}, err
		}
		if (p.Active != nil && !*p.Active) || p.PasswordHash != nil {
			if err := revokeSessions(tx, id, 0); err != nil {
				return Audit{}, err
			}
		}
		if p.Name != nil {
			purge(tx, surrogate.Author(id)) // articles show their author's name
		}
		if err := tx.Take(&u, id).Error; err != nil {
			return Audit{}, err
		}
		return Audit{Action: "user.update", TargetType: "user", TargetID: strconv.FormatInt(id, 10), Detail: p.describe()}, nil
	})
	return u, err
}

// CreateSession starts a login session of the actor with its first refresh token, and records
// the login (last_login_at and the audit entry).
func (s *Store) CreateSession(ctx context.Context, actor Actor, refreshHash string, expires time.Time, userAgent string) (int64, error) {
	var sess models.Session
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		now := tx.NowFunc().UTC()
		sess = models.Session{UserID: actor.UserID, ExpiresAt: expires, CreatedAt: now, LastUsedAt: now, IP: actor.IP, UserAgent: truncate(userAgent, 255)}
		if err := tx.Create(&sess).Error; err != nil {
			return Audit{}, err
		}
		if err := tx.Create(&models.RefreshToken{Hash: refreshHash, SessionID: sess.ID, CreatedAt: now}).Error; err != nil {
			return Audit{}, err
		}
		// A login is not an edit of the account: neither updated_at nor the version moves.
		if err := tx.Model(&models.User{}).Where("id = ?", actor.UserID).UpdateColumn("last_login_at", now).Error; err != nil {
			return Audit{}, err
		}
		return Audit{Action: "auth.login", TargetType: "user", TargetID: strconv.FormatInt(actor.UserID, 10)}, nil
	})
	return sess.ID, err
}

// ErrRefreshReused means a spent refresh token was presented: its session has been revoked.
var ErrRefreshReused = errors.New("refresh token reused")

// RotateRefresh spends a refresh token and stores its successor in the same session. A token
// already spent revokes the whole session (theft detection, in the audit log) and returns
// ErrRefreshReused; an unknown token, a revoked or expired session or an inactive user is
// unauthorized.
func (s *Store) RotateRefresh(ctx context.Context, actor Actor, oldHash, newHash string) (models.User, int64, error) {
	var user models.User
	var sessionID int64
	reused := false
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		now := tx.NowFunc().UTC()
		var tok models.RefreshToken
		if err := tx.Take(&tok, "hash = ?", oldHash).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Audit{}, models.Unauthorized("the refresh token is not valid")
			}
			return Audit{}, err
		}
		sessionID = tok.SessionID
		spend := tx.Model(&models.RefreshToken{}).Where("hash = ? AND spent_at IS NULL", oldHash).Update("spent_at", now)
		if spend.Error != nil {
			return Audit{}, spend.Error
		}
		if spend.RowsAffected == 0 {
			reused = true
			// Committed, with its audit entry, though the caller is refused.
			return Audit{Action: "auth.refresh_reused", TargetType: "session", TargetID: strconv.FormatInt(tok.SessionID, 10),
				Detail: "session revoked"}, revokeSession(tx, tok.SessionID, now)
		}
		var sess models.Session
		if err := tx.Take(&sess, tok.SessionID).Error; err != nil {
			return Audit{}, err
		}
		if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
			return Audit{}, models.Unauthorized("the session has ended; log in again")
		}
		if err := tx.Take(&user, sess.UserID).Error; err != nil {
			return Audit{}, err
		}
		if !user.Active {
			return Audit{}, models.Unauthorized("the account is deactivated")
		}
		if err := tx.Create(&models.RefreshToken{Hash: newHash, SessionID: sess.ID, CreatedAt: now}).Error; err != nil {
			return Audit{}, err
		}
		return Audit{}, tx.Model(&sess).UpdateColumn("last_used_at", now).Error
	})
	if err == nil && reused {
		return user, sessionID, ErrRefreshReused
	}
	return user, sessionID, err
}

// RevokeByRefresh ends the session a refresh token belongs to (logout), audited as its user's;
// an unknown token ends nothing.
func (s *Store) RevokeByRefresh(ctx context.Context, actor Actor, hash string) error {
	// Which session and user a token belongs to never changes: it is read before the write, whose
	// actor is that user.
	var owner struct{ SessionID, UserID int64 }
	err := s.db.WithContext(ctx).Table("refresh_tokens").Select("sessions.id AS session_id, sessions.user_id").
		Joins("JOIN sessions ON sessions.id = refresh_tokens.session_id").Where("refresh_tokens.hash = ?", hash).Take(&owner).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	actor.UserID = owner.UserID
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := revokeSession(tx, owner.SessionID, tx.NowFunc().UTC()); err != nil {
			return Audit{}, err
		}
		return Audit{Action: "auth.logout", TargetType: "user", TargetID: strconv.FormatInt(owner.UserID, 10)}, nil
	})
}

// ChangePassword stores the actor's new password hash and revokes every session of theirs but
// keep. The account changes (a new version), but this is not an admin's edit: no version is
// checked.
func (s *Store) ChangePassword(ctx context.Context, actor Actor, hash string, keep int64) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		res := tx.Model(&models.User{}).Where("id = ?", actor.UserID).
			Updates(map[string]any{"password_hash": hash, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return Audit{}, res.Error
		}
		if res.RowsAffected == 0 {
			return Audit{}, models.NotFound("user")
		}
		if err := revokeSessions(tx, actor.UserID, keep); err != nil {
			return Audit{}, err
		}
		return Audit{Action: "auth.password_changed", TargetType: "user", TargetID: strconv.FormatInt(actor.UserID, 10),
			Detail: "other sessions revoked"}, nil
	})
}

// ReplacePasswordHash swaps the stored hash for one of the same password made with new
// parameters; a password changed meanwhile (the old hash no longer stored) is left alone. It is
// not an edit of the account: neither updated_at nor the version moves, and nothing is audited.
func (s *Store) ReplacePasswordHash(ctx context.Context, userID int64, oldHash, newHash string) error {
	return s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		return Audit{}, tx.Model(&models.User{}).Where("id = ? AND password_hash = ?", userID, oldHash).
			UpdateColumn("password_hash", newHash).Error
	})
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
