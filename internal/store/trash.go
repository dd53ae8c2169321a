package store

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// trashedFilter keeps the items in the trash, or (false) those outside it.
func trashedFilter(trashed bool) string {
	if trashed {
		return "trashed_at IS NOT NULL"
	}
	return "trashed_at IS NULL"
}

// trashBatch is how many expired articles EmptyTrash reads at a time.
const trashBatch = 100

// EmptyTrash deletes for good the articles, announcements and documents in the trash since
// before now minus retention, each in its own write by toasoan itself (audited <kind>.purge),
// and returns how many it deleted. An item restored, or deleted, by someone else meanwhile is
// left alone; so several processes may empty the trash at once.
func (s *Store) EmptyTrash(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	cutoff := now.UTC().Add(-retention)
	expired := func(db *gorm.DB) *gorm.DB { return db.Where("trashed_at IS NOT NULL AND trashed_at <= ?", cutoff) }
	kinds := []struct {
		what    string
		model   any
		destroy func(tx *gorm.DB, id int64) error // the row of id, read expired and locked
	}{
		{"article", &models.Article{}, func(tx *gorm.DB, id int64) error {
			var a models.Article
			if err := expired(s.locking(tx)).Take(&a, id).Error; err != nil {
				return notFound(err, "article")
			}
			return destroyArticle(tx, a, a.Version)
		}},
		{"announcement", &models.Announcement{}, func(tx *gorm.DB, id int64) error {
			var a models.Announcement
			if err := expired(s.locking(tx)).Take(&a, id).Error; err != nil {
				return notFound(err, "announcement")
			}
			return destroyAttached(tx, &models.Announcement{}, announcementKind, id, a.Version)
		}},
		{"document", &models.Document{}, func(tx *gorm.DB, id int64) error {
			var d models.Document
			if err := expired(s.locking(tx)).Take(&d, id).Error; err != nil {
				return notFound(err, "document")
			}
			return destroyAttached(tx, &models.Document{}, documentKind, id, d.Version)
		}},
	}
	deleted := 0
	for _, k := range kinds {
		for {
			var ids []int64
			if err := expired(s.db.WithContext(ctx).Model(k.model)).Order("trashed_at, id").Limit(trashBatch).Pluck("id", &ids).Error; err != nil {
				return deleted, err
			}
			for _, id := range ids {
				err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
					return Audit{Action: k.what + ".purge", TargetType: k.what, TargetID: strconv.FormatInt(id, 10), Detail: "trash retention"},
						k.destroy(tx, id)
				})
				switch code := models.ErrorCode(err); {
				case err == nil:
					deleted++
				case code == models.CodeNotFound || code == models.CodeVersionMismatch: // restored or deleted meanwhile
				default:
					return deleted, err
				}
			}
			if len(ids) < trashBatch {
				break
			}
		}
	}
	return deleted, nil
}
