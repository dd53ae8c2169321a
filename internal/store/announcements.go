package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// announcementOwner is the owner type of announcements' media links.
const announcementOwner = "announcement"

// CreateAnnouncement inserts an announcement at version 1 with its attachments. Without a slug
// one is made from the title (made unique with -2, -3, …); a slug the editor chose that is
// taken is a conflict.
func (s *Store) CreateAnnouncement(ctx context.Context, a *models.Announcement, attachmentIDs []int64) error {
	if err := a.Validate(); err != nil {
		return err
	}
	generated := a.Slug == ""
	base := a.Slug
	if generated {
		base = slugFrom(a.Title, "thong-bao")
	}
	a.Version = 1
	a.StartsAt = a.StartsAt.UTC()
	a.EndsAt = utcOrNil(a.EndsAt)
	err := retryGeneratedSlug(generated, func() error {
		a.ID = 0
		return s.writeTx(ctx, func(tx *gorm.DB) error {
			a.Slug = base
			if generated {
				slug, err := uniqueSlug(tx, "announcements", base, 0)
				if err != nil {
					return err
				}
				a.Slug = slug
			}
			if err := tx.Create(a).Error; err != nil {
				return err
			}
			if err := indexSearch(tx, announcementSearchEntry(*a)); err != nil {
				return err
			}
			if a.Status == models.PublicationPublished {
				if err := enqueueEvent(tx, models.EventAnnouncementPublished, announcementEventData(*a)); err != nil {
					return err
				}
			}
			return setMediaLinks(tx, announcementOwner, a.ID, models.LinkAttachment, attachmentIDs, "attachment_ids")
		})
	})
	if err != nil {
		return err
	}
	return s.withAnnouncementMedia(ctx, []*models.Announcement{a})
}

// AnnouncementByID finds an announcement in any state, with its attachments.
func (s *Store) AnnouncementByID(ctx context.Context, id int64) (models.Announcement, error) {
	var a models.Announcement
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return a, notFound(err, "announcement")
	}
	return a, s.withAnnouncementMedia(ctx, []*models.Announcement{&a})
}

// ListAnnouncements returns a page of announcements in any state (or only of status), newest
// first, and the total.
func (s *Store) ListAnnouncements(ctx context.Context, status string, p models.Page) ([]models.Announcement, int64, error) {
	q := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&models.Announcement{})
		if status != "" {
			q = q.Where("status = ?", status)
		}
		return q
	}
	return s.announcementPage(ctx, q, "id DESC", p)
}

// ActiveAnnouncements returns a page of the announcements the public sees at now: published,
// started and not ended; pinned first, then the newest start, and the total.
func (s *Store) ActiveAnnouncements(ctx context.Context, now time.Time, p models.Page) ([]models.Announcement, int64, error) {
	q := func() *gorm.DB { return s.activeAnnouncements(ctx, now) }
	return s.announcementPage(ctx, q, "pinned DESC, starts_at DESC, id DESC", p)
}

// ActiveAnnouncementBySlug finds an announcement the public sees at now.
func (s *Store) ActiveAnnouncementBySlug(ctx context.Context, slug string, now time.Time) (models.Announcement, error) {
	var a models.Announcement
	if err := s.activeAnnouncements(ctx, now).Where("slug = ?", slug).Take(&a).Error; err != nil {
		return a, notFound(err, "announcement")
	}
	return a, s.withAnnouncementMedia(ctx, []*models.Announcement{&a})
}

// AnnouncementSitemap lists the announcements the public sees at now for the sitemap, newest
// start first and at most limit.
func (s *Store) AnnouncementSitemap(ctx context.Context, now time.Time, limit int) ([]SitemapEntry, error) {
	var out []SitemapEntry
	err := s.activeAnnouncements(ctx, now).Select("id, slug, updated_at").
		Order("starts_at DESC, id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// activeAnnouncements selects what the public sees at now. Times are compared in UTC, the zone
// they are stored in, which SQLite needs as it compares them as text.
func (s *Store) activeAnnouncements(ctx context.Context, now time.Time) *gorm.DB {
	now = now.UTC()
	return s.db.WithContext(ctx).Model(&models.Announcement{}).
		Where("status = ? AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)", models.PublicationPublished, now, now)
}

// announcementPage counts and loads one page of the announcements query selects, with their
// attachments: three queries whatever the page size.
func (s *Store) announcementPage(ctx context.Context, query func() *gorm.DB, order string, p models.Page) ([]models.Announcement, int64, error) {
	var total int64
	if err := query().Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var list []models.Announcement
	if err := query().Order(order).Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error; err != nil {
		return nil, 0, err
	}
	ptrs := make([]*models.Announcement, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return list, total, s.withAnnouncementMedia(ctx, ptrs)
}

// UpdateAnnouncement writes every editable field of a (as changed by the caller from the
// version it read) if the row is still at version, and replaces the attachments when
// attachmentIDs is not nil. a is reloaded with its new version.
func (s *Store) UpdateAnnouncement(ctx context.Context, a *models.Announcement, version int, attachmentIDs *[]int64) error {
	if err := a.Validate(); err != nil {
		return err
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		published, err := becomesPublished(tx, &models.Announcement{}, a.ID, version, a.Status)
		if err != nil {
			return err
		}
		err = updateVersioned(tx, &models.Announcement{}, "announcement", a.ID, version, map[string]any{
			"slug":      a.Slug,
			"title":     a.Title,
			"body":      a.Body,
			"pinned":    a.Pinned,
			"starts_at": a.StartsAt.UTC(),
			"ends_at":   utcOrNil(a.EndsAt),
			"status":    a.Status,
		})
		if err != nil {
			return err
		}
		if err := indexSearch(tx, announcementSearchEntry(*a)); err != nil {
			return err
		}
		if published {
			if err := enqueueEvent(tx, models.EventAnnouncementPublished, announcementEventData(*a)); err != nil {
				return err
			}
		}
		if attachmentIDs == nil {
			return nil
		}
		return setMediaLinks(tx, announcementOwner, a.ID, models.LinkAttachment, *attachmentIDs, "attachment_ids")
	})
	if err != nil {
		return err
	}
	*a, err = s.AnnouncementByID(ctx, a.ID)
	return err
}

// DeleteAnnouncement deletes an announcement at the version the client read, with its links.
func (s *Store) DeleteAnnouncement(ctx context.Context, id int64, version int) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := deleteVersioned(tx, &models.Announcement{}, "announcement", id, version); err != nil {
			return err
		}
		if err := unindexSearch(tx, KindAnnouncement, id); err != nil {
			return err
		}
		return deleteMediaLinks(tx, announcementOwner, id)
	})
}

// withAnnouncementMedia fills the attachments of every announcement in one query.
func (s *Store) withAnnouncementMedia(ctx context.Context, list []*models.Announcement) error {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	media, err := s.mediaOf(ctx, announcementOwner, models.LinkAttachment, ids)
	if err != nil {
		return err
	}
	for _, a := range list {
		a.Attachments = media[a.ID]
	}
	return nil
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// announcementSearchEntry is what search knows of an announcement: the public finds it while
// it is published and inside its window, as on the public list.
func announcementSearchEntry(a models.Announcement) SearchEntry {
	return SearchEntry{
		Kind:        KindAnnouncement,
		ItemID:      a.ID,
		Slug:        a.Slug,
		Title:       a.Title,
		Body:        search.StripHTML(a.Body),
		Public:      a.Status == models.PublicationPublished,
		PublicFrom:  &a.StartsAt,
		PublicUntil: a.EndsAt,
		SortTime:    a.StartsAt,
	}
}
