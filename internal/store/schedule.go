package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// NextScheduledChange is the first time after now at which public content changes by itself,
// with no write: a scheduled article's publish_at or unpublish_at, an announcement's starts_at or ends_at, or
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
		{db.Model(&models.Article{}).Where("status IN ('published', 'scheduled') AND unpublish_at IS NOT NULL"), "unpublish_at"},
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

// The scheduler: what comes due by the clock alone, with no write, and what it makes happen.
//
//   - A scheduled article is public from its publish_at on (the public queries ask for it), and
//     nothing about it left toasoan before: at its time the scheduler announces it,
//     article.published with the purge of what shows it.
//   - At an article's unpublish_at, the scheduler unpublishes it (back to draft, as an editor's
//     unpublish does, with its revision and article.unpublished).
//   - When an announcement's window opens the scheduler announces it (announcement.published);
//     when it closes, announcement.unpublished.
//
// Each change is claimed in a transaction of its own with FOR UPDATE SKIP LOCKED on PostgreSQL
// and its event written in that transaction, so with any number of processes each event is
// enqueued once; a change that came due while no process ran is applied by the first run after
// start-up (catch-up). An editor's write of the same row decides from the row its UPDATE locked
// (announceArticle), so the two never both announce.

// scheduleBatch bounds how many changes of one kind a run applies, so one run always ends.
const scheduleBatch = 500

// ApplySchedule applies the scheduled changes due at the store's clock (see above) and returns
// how many it applied. With nothing due it only reads.
func (s *Store) ApplySchedule(ctx context.Context) (int, error) {
	applied := 0
	for _, step := range []func(context.Context) (bool, error){
		s.announceDueArticle, s.takeDownDueArticle, s.openDueAnnouncement, s.closeDueAnnouncement,
	} {
		for range scheduleBatch {
			done, err := step(ctx)
			if err != nil {
				return applied, err
			}
			if !done {
				break
			}
			applied++
		}
	}
	return applied, nil
}

// due is one kind of scheduled change: the rows due at now, and the time they are due at (the
// order they are applied in). Each reads along its partial index (migration 0081).
type due struct {
	scope  func(db *gorm.DB, now time.Time) *gorm.DB
	column string
}

// first selects the earliest row due at now.
func (d due) first(db *gorm.DB, now time.Time) *gorm.DB {
	return d.scope(db, now).Order(d.column + ", id").Limit(1)
}

var (
	dueArticles = due{func(db *gorm.DB, now time.Time) *gorm.DB {
		return db.Model(&models.Article{}).
			Where("announced_at IS NULL AND status IN ('published', 'scheduled') AND published_at <= ?", now)
	}, "published_at"}
	dueTakeDowns = due{func(db *gorm.DB, now time.Time) *gorm.DB {
		return db.Model(&models.Article{}).
			Where("unpublish_at IS NOT NULL AND unpublish_at <= ? AND status IN ('published', 'scheduled')", now)
	}, "unpublish_at"}
	dueOpenings = due{func(db *gorm.DB, now time.Time) *gorm.DB {
		return db.Model(&models.Announcement{}).
			Where("announced_at IS NULL AND status = 'published' AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)", now, now)
	}, "starts_at"}
	dueClosings = due{func(db *gorm.DB, now time.Time) *gorm.DB {
		return db.Model(&models.Announcement{}).
			Where("announced_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at <= ?", now)
	}, "ends_at"}
)

// firstDue is the id of the earliest row d selects at the store's clock (0: none): a read
// outside any transaction, as SQLite's write transactions would take the lock every second.
func (s *Store) firstDue(ctx context.Context, d due) (int64, error) {
	var ids []int64
	if err := d.first(s.db.WithContext(ctx), s.Now().UTC()).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// claimDue takes the earliest row d selects in tx, skipping those another process holds; 0: none.
func (s *Store) claimDue(tx *gorm.DB, d due) (int64, error) {
	var ids []int64
	if err := s.skipLocked(d.first(tx, tx.NowFunc().UTC())).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// announceDueArticle announces one article that has gone live: article.published, once.
func (s *Store) announceDueArticle(ctx context.Context) (bool, error) {
	if id, err := s.firstDue(ctx, dueArticles); err != nil || id == 0 {
		return false, err
	}
	done := false
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		id, err := s.claimDue(tx, dueArticles)
		if err != nil || id == 0 {
			return Audit{}, err
		}
		a, err := loadArticle(tx, id)
		if err != nil {
			return Audit{}, err
		}
		purgeArticle(tx, a)
		if err := announceArticle(tx, nil, &a); err != nil {
			return Audit{}, err
		}
		done = true
		return articleAudit("live", id, "published_at="+a.PublishedAt.UTC().Format(time.RFC3339)), nil
	})
	return done, err
}

// takeDownDueArticle unpublishes one article whose unpublish_at has passed, as an editor's
// unpublish would (revision, article.unpublished), by toasoan itself.
func (s *Store) takeDownDueArticle(ctx context.Context) (bool, error) {
	id, err := s.firstDue(ctx, dueTakeDowns)
	if err != nil || id == 0 {
		return false, err
	}
	_, err = s.TransitionArticle(ctx, System, id, models.ActionUnpublish, Schedule{}, 0, nil)
	var e *models.Error
	if errors.As(err, &e) && (e.Code == models.CodeConflict || e.Code == models.CodeNotFound) {
		return true, nil // another process took it down first, or it was deleted meanwhile
	}
	return err == nil, err
}

// openDueAnnouncement announces one announcement whose window has opened.
func (s *Store) openDueAnnouncement(ctx context.Context) (bool, error) {
	return s.announceWindow(ctx, dueOpenings, "announcement.open")
}

// closeDueAnnouncement tells receivers that one announcement's window has closed.
func (s *Store) closeDueAnnouncement(ctx context.Context) (bool, error) {
	return s.announceWindow(ctx, dueClosings, "announcement.close")
}

func (s *Store) announceWindow(ctx context.Context, due due, action string) (bool, error) {
	if id, err := s.firstDue(ctx, due); err != nil || id == 0 {
		return false, err
	}
	done := false
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		id, err := s.claimDue(tx, due)
		if err != nil || id == 0 {
			return Audit{}, err
		}
		var a models.Announcement
		if err := tx.Take(&a, id).Error; err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Announcements, surrogate.Announcement(a.ID))
		if err := announceAnnouncement(tx, &a); err != nil {
			return Audit{}, err
		}
		done = true
		return Audit{Action: action, TargetType: "announcement", TargetID: strconv.FormatInt(id, 10)}, nil
	})
	return done, err
}

// announceAnnouncement records the event of an announcement's change, deciding from its row as
// the write left it: public and not announced, announcement.published (an announcement whose
// window opens later is not announced before it opens); announced and no longer public,
// announcement.unpublished.
func announceAnnouncement(tx *gorm.DB, a *models.Announcement) error {
	now := tx.NowFunc()
	public, announced := a.PublicAt(now), a.AnnouncedAt != nil
	var event string
	switch {
	case public && !announced:
		event = models.EventAnnouncementPublished
		a.AnnouncedAt = &now
	case !public && announced:
		event = models.EventAnnouncementUnpublished
		a.AnnouncedAt = nil
	default:
		return nil
	}
	if err := setAnnounced(tx, &models.Announcement{}, a.ID, a.AnnouncedAt); err != nil {
		return err
	}
	data := announcementEventData(*a)
	switch {
	case event != models.EventAnnouncementUnpublished:
	case a.TrashedAt != nil:
		data.Status = "trashed"
	case a.Status == models.PublicationPublished:
		data.Status = "ended" // its window closed (or was moved to the future)
	}
	return enqueueEvent(tx, event, data)
}

// OverdueSchedule counts the scheduled changes due at now that no scheduler has applied yet,
// and how long the oldest has waited: both stay at zero while a scheduler runs.
func (s *Store) OverdueSchedule(ctx context.Context, now time.Time) (count int64, oldest time.Duration, err error) {
	now = now.UTC()
	db := s.db.WithContext(ctx)
	for _, d := range []due{dueArticles, dueTakeDowns, dueOpenings, dueClosings} {
		var n int64
		if err := d.scope(db, now).Count(&n).Error; err != nil {
			return 0, 0, err
		}
		count += n
		if n == 0 {
			continue
		}
		var first []time.Time
		if err := d.first(db, now).Pluck(d.column, &first).Error; err != nil {
			return 0, 0, err
		}
		if len(first) == 1 && now.Sub(first[0]) > oldest {
			oldest = now.Sub(first[0])
		}
	}
	return count, oldest, nil
}
