package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// NextScheduledChange is the first time after now at which public content changes by itself,
// with no write: a scheduled article's publish_at, an announcement's starts_at or ends_at, or
// the newsroom's next midnight (most-read periods and dates move with the day). Whatever keeps
// public content (the response cache) must not keep it past then. Three indexed reads, kept in
// the memo until then or until a write of articles or announcements.
func (s *Store) NextScheduledChange(ctx context.Context, now time.Time) (time.Time, error) {
	now = now.UTC()
	families := []string{surrogate.Articles, surrogate.Announcements}
	if v, ok := s.memo.get("next-scheduled-change", families, now); ok {
		return v.(time.Time), nil
	}
	gens := s.memo.generations(families)
	next, err := s.nextScheduledChange(ctx, now)
	if err == nil {
		s.memo.put("next-scheduled-change", families, gens, next, now, next)
	}
	return next, err
}

func (s *Store) nextScheduledChange(ctx context.Context, now time.Time) (time.Time, error) {
	db := s.db.WithContext(ctx)
	y, m, d := now.In(models.NewsroomZone).Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, models.NewsroomZone).UTC()
	// The first of each, by its index: MIN() would lose SQLite's column type.
	first := func(q *gorm.DB, column string) ([]time.Time, error) {
		var t []time.Time
		err := q.Where(column+" > ?", now).Order(column).Limit(1).Pluck(column, &t).Error
		return t, err
	}
	var found []time.Time
	for _, q := range []struct {
		db     *gorm.DB
		column string
	}{
		{db.Model(&models.Article{}).Where("status IN ('published', 'scheduled')"), "published_at"},
		{db.Model(&models.Announcement{}).Where("status = ?", models.PublicationPublished), "starts_at"},
		{db.Model(&models.Announcement{}).Where("status = ?", models.PublicationPublished), "ends_at"},
	} {
		t, err := first(q.db, q.column)
		if err != nil {
			return time.Time{}, err
		}
		found = append(found, t...)
	}
	for _, t := range found {
		if t.Before(next) {
			next = t.UTC()
		}
	}
	return next, nil
}
