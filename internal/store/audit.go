package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// Audit is the entry a write leaves in the audit log: what was done to which item. The zero
// Audit records nothing (writes that are not an actor's change, such as the view flush).
type Audit struct {
	Action     string // e.g. article.publish
	TargetType string // e.g. article
	TargetID   string
	Detail     string // never personal data
}

// writeAudit records an entry of the audit log in tx.
func writeAudit(tx *gorm.DB, actor Actor, a Audit) error {
	e := models.AuditEntry{
		Action: a.Action, TargetType: a.TargetType, TargetID: truncate(a.TargetID, 60), Detail: a.Detail,
		ActorRole: actor.Role, IP: truncate(actor.IP, 64), RequestID: truncate(actor.RequestID, 64),
		CreatedAt: tx.NowFunc().UTC(),
	}
	if actor.UserID != 0 {
		e.ActorID = &actor.UserID
	}
	return tx.Create(&e).Error
}

// Record writes an audit entry that is not part of a change: a failed login, a refused refresh.
func (s *Store) Record(ctx context.Context, actor Actor, a Audit) error {
	return s.write(ctx, actor, func(*gorm.DB) (Audit, error) { return a, nil })
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
