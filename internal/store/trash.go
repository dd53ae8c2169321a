package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// trashBatch is how many expired articles EmptyTrash reads at a time.
const trashBatch = 100

// EmptyTrash deletes for good the articles in the trash since before now minus retention, each
// in its own write by toasoan itself (audited article.purge), and returns how many it deleted.
// An article restored, or deleted, by someone else meanwhile is left alone; so several
// processes may empty the trash at once.
func (s *Store) EmptyTrash(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	cutoff := now.UTC().Add(-retention)
	expired := func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.Article{}).Where("trashed_at IS NOT NULL AND trashed_at <= ?", cutoff)
	}
	deleted := 0
	for {
		var ids []int64
		if err := expired(s.db.WithContext(ctx)).Order("trashed_at, id").Limit(trashBatch).Pluck("id", &ids).Error; err != nil {
			return deleted, err
		}
		for _, id := range ids {
			err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
				var a models.Article
				if err := expired(s.locking(tx)).Take(&a, id).Error; err != nil {
					return Audit{}, notFound(err, "article")
				}
				if err := destroyArticle(tx, a, a.Version); err != nil {
					return Audit{}, err
				}
				return articleAudit("purge", id, "trash retention"), nil
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
			return deleted, nil
		}
	}
}
