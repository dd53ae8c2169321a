package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
)

// addRevision stores the article as it now is as the revision of its version, by the actor.
func addRevision(tx *gorm.DB, a models.Article, action string, actor Actor) error {
	rev, err := revisionOf(a, action, actor, tx.NowFunc())
	if err != nil {
		return err
	}
	return tx.Omit(clause.Associations).Create(&rev).Error
}

// revisionOf is the revision of the article's version, made by the actor's action at a time.
func revisionOf(a models.Article, action string, actor Actor, at time.Time) (models.ArticleRevision, error) {
	snap, err := json.Marshal(a.Snapshot())
	if err != nil {
		return models.ArticleRevision{}, err
	}
	rev := models.ArticleRevision{ArticleID: a.ID, Number: a.Version, Action: action,
		Snapshot: string(snap), CreatedAt: at.UTC()}
	if actor.UserID != 0 {
		rev.ActorID = &actor.UserID
	}
	return rev, nil
}

func revision(db *gorm.DB, articleID int64, number int) (models.ArticleRevision, error) {
	var rev models.ArticleRevision
	err := db.Preload("Actor", func(db *gorm.DB) *gorm.DB { return db.Select("id", "name") }).
		Where("article_id = ? AND number = ?", articleID, number).Take(&rev).Error
	return rev, notFound(err, "revision")
}

// Revisions returns a page of an article's revisions, newest first, without their snapshots.
func (s *Store) Revisions(ctx context.Context, articleID int64, p models.Page) ([]models.ArticleRevision, int64, error) {
	q := s.db.WithContext(ctx).Model(&models.ArticleRevision{}).Where("article_id = ?", articleID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var list []models.ArticleRevision
	err := q.Omit("snapshot").Preload("Actor", func(db *gorm.DB) *gorm.DB { return db.Select("id", "name") }).
		Order("number DESC").Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error
	return list, total, err
}

// Revision returns one revision of an article with its snapshot.
func (s *Store) Revision(ctx context.Context, articleID int64, number int) (models.ArticleRevision, error) {
	return revision(s.db.WithContext(ctx), articleID, number)
}
