package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// ViewDaysKept is how many newsroom days of views the daily buckets keep: today and the 31
// before it, enough for the longest most-read period (a month: today and the 30 days before).
const ViewDaysKept = 32

// NewsroomDay is the newsroom's calendar day (Asia/Ho_Chi_Minh) at t, as YYYY-MM-DD.
func NewsroomDay(t time.Time) string { return t.In(models.NewsroomZone).Format(time.DateOnly) }

// AddViews adds buffered view counts to the articles' exact counts and to their bucket of
// today (the newsroom's day by the store's clock), in one transaction. It touches neither
// version nor updated_at (a view is not an edit), and nothing public: readers see views only
// after RefreshShownViews, so the flush neither changes a public body nor evicts the response
// cache. An article deleted since its views were counted is skipped.
func (s *Store) AddViews(ctx context.Context, views map[int64]int64) error {
	if len(views) == 0 {
		return nil
	}
	day := NewsroomDay(s.Now())
	return s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		for id, n := range views {
			res := tx.Model(&models.Article{}).Where("id = ?", id).UpdateColumn("view_count", gorm.Expr("view_count + ?", n))
			if res.Error != nil {
				return Audit{}, res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			err := tx.Exec(`INSERT INTO article_views_daily (day, article_id, views, shown_views) VALUES (?, ?, ?, 0)
				ON CONFLICT (day, article_id) DO UPDATE SET views = article_views_daily.views + excluded.views`, day, id, n).Error
			if err != nil {
				return Audit{}, err
			}
		}
		return Audit{}, nil // a view is not an actor's change
	})
}

// RefreshShownViews makes the shown counts the counted ones, on articles and on the daily
// buckets, and drops the buckets older than ViewDaysKept. Only rows whose count moved are
// written, and only what shows them is purged: each article whose count moved, and the article
// lists (which show counts and rank "most read") when any did; a refresh with no new views
// changes and evicts nothing.
func (s *Store) RefreshShownViews(ctx context.Context) error {
	oldest := NewsroomDay(s.Now().AddDate(0, 0, -(ViewDaysKept - 1)))
	return s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		noSync(tx) // apps get an article's view count with its next change, not every few minutes
		var moved []int64
		err := tx.Raw(`UPDATE articles SET shown_view_count = view_count WHERE shown_view_count <> view_count RETURNING id`).
			Scan(&moved).Error
		if err != nil {
			return Audit{}, err
		}
		var bucketsMoved []int64
		err = tx.Raw(`UPDATE article_views_daily SET shown_views = views WHERE shown_views <> views RETURNING article_id`).
			Scan(&bucketsMoved).Error
		if err != nil {
			return Audit{}, err
		}
		for _, id := range moved {
			purge(tx, surrogate.Article(id))
		}
		if len(moved)+len(bucketsMoved) > 0 {
			purge(tx, surrogate.Articles)
		}
		// Buckets past every period are in no public list: dropping them purges nothing.
		err = tx.Exec(`DELETE FROM article_views_daily WHERE day < ?`, oldest).Error
		return Audit{}, err
	})
}

// PublicArticleID is the id of the article with the slug when it is publicly visible at now
// (the public detail's rule), not_found otherwise: one indexed read, for the view beacon.
func (s *Store) PublicArticleID(ctx context.Context, slug string, now time.Time) (int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&models.Article{}).Where("articles.slug = ?", slug).
		Where(publiclyVisible, now.UTC()).Limit(1).Pluck("articles.id", &ids).Error
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, models.NotFound("article")
	}
	return ids[0], nil
}
