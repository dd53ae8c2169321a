package store

import (
	"cmp"
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// announcementOwner is the owner type of announcements' media links.
const announcementOwner = "announcement"

// AnnouncementInput is a new announcement as an editor wrote it.
type AnnouncementInput struct {
	Title         string
	Slug          string // "": made from the title
	Body          string // HTML, sanitised before it is stored
	Pinned        bool
	Status        string     // "": draft
	StartsAt      *time.Time // nil: now
	EndsAt        *time.Time // nil: no end
	AttachmentIDs []int64
}

// CreateAnnouncement stores an announcement at version 1 with its attachments. Without a slug
// one is made from the title (made unique with -2, -3, …); a slug the editor chose that is
// taken is a conflict.
func (s *Store) CreateAnnouncement(ctx context.Context, actor Actor, in AnnouncementInput) (models.Announcement, error) {
	a := models.Announcement{
		Title: models.CleanText(in.Title), Body: s.bodies.Sanitize(in.Body), Pinned: in.Pinned,
		Status: cmp.Or(in.Status, models.PublicationDraft), EndsAt: utcOrNil(in.EndsAt), Version: 1,
	}
	generated := in.Slug == ""
	base := cmp.Or(in.Slug, slugFrom(a.Title, "thong-bao"))
	err := retryGeneratedSlug(generated, func() error {
		return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
			a.ID = 0
			a.StartsAt = tx.NowFunc().UTC().Truncate(time.Microsecond)
			if in.StartsAt != nil {
				a.StartsAt = in.StartsAt.UTC()
			}
			if err := a.Validate(); err != nil {
				return Audit{}, err
			}
			a.Slug = base
			if generated {
				slug, err := uniqueSlug(tx, "announcements", base, 0)
				if err != nil {
					return Audit{}, err
				}
				a.Slug = slug
			}
			if err := tx.Create(&a).Error; err != nil {
				return Audit{}, err
			}
			if err := s.afterAnnouncementWrite(tx, a, false, &in.AttachmentIDs); err != nil {
				return Audit{}, err
			}
			return announcementAudit("announcement.create", a), nil
		})
	})
	if err != nil {
		return models.Announcement{}, err
	}
	return s.AnnouncementByID(ctx, a.ID)
}

// AnnouncementByID finds an announcement in any state, with its attachments.
func (s *Store) AnnouncementByID(ctx context.Context, id int64) (models.Announcement, error) {
	var a models.Announcement
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return a, notFound(err, "announcement")
	}
	return a, s.withAnnouncementMedia(ctx, []*models.Announcement{&a})
}

// ListAnnouncements returns a page of announcements in any state (or only of status), in the
// trash or outside it, newest first, and the total.
func (s *Store) ListAnnouncements(ctx context.Context, status string, trashed bool, p models.Page) ([]models.Announcement, int64, error) {
	q := func() *gorm.DB {
		q := s.db.WithContext(ctx).Model(&models.Announcement{}).Where(trashedFilter(trashed))
		if status != "" {
			q = q.Where("status = ?", status)
		}
		return q
	}
	return s.announcementPage(ctx, q, "id DESC", p)
}

// ActiveAnnouncements returns a page of the announcements the public sees at now: published,
// started and not ended (and with updatedSince, edited or started at or after it); pinned first,
// then the newest start, and the total.
func (s *Store) ActiveAnnouncements(ctx context.Context, now time.Time, updatedSince *time.Time, p models.Page) ([]models.Announcement, int64, error) {
	q := func() *gorm.DB {
		q := s.activeAnnouncements(ctx, now)
		if updatedSince != nil { // edited, or its window opened, at or after it
			q = q.Where("(updated_at >= ? OR starts_at >= ?)", updatedSince.UTC(), updatedSince.UTC())
		}
		return q
	}
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
	return activeAt(s.db.WithContext(ctx).Model(&models.Announcement{}), now)
}

// activeAt keeps the announcements the public sees at now (in UTC): the one spelling of the
// rule, for the public reads and for the sync feed's record of what is public.
func activeAt(q *gorm.DB, now time.Time) *gorm.DB {
	now = now.UTC()
	return q.Where("announcements.status = ? AND announcements.starts_at <= ? AND (announcements.ends_at IS NULL OR announcements.ends_at > ?)",
		models.PublicationPublished, now, now)
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

// AnnouncementPatch holds the fields of an announcement to change; nil (or not Set) means
// unchanged.
type AnnouncementPatch struct {
	Title         *string
	Slug          *string
	Body          *string // HTML, sanitised before it is stored
	Pinned        *bool
	StartsAt      *time.Time
	EndsAt        models.Nullable[time.Time] // null: no end
	Status        *string
	AttachmentIDs *[]int64 // replaces the list
}

// UpdateAnnouncement applies a patch to the announcement at the version the client read.
func (s *Store) UpdateAnnouncement(ctx context.Context, actor Actor, id int64, version int, p AnnouncementPatch) (models.Announcement, error) {
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var a models.Announcement
		if err := s.lockAt(tx, &a, "announcement", id, version); err != nil {
			return Audit{}, err
		}
		if a.TrashedAt != nil {
			return Audit{}, models.Conflict("the announcement is in the trash: restore it first")
		}
		wasPublished := a.Status == models.PublicationPublished
		setValue(&a.Title, p.Title, models.CleanText)
		setValue(&a.Slug, p.Slug, nil)
		setValue(&a.Body, p.Body, s.bodies.Sanitize)
		setValue(&a.Pinned, p.Pinned, nil)
		setValue(&a.StartsAt, p.StartsAt, time.Time.UTC)
		setNullable(&a.EndsAt, p.EndsAt, time.Time.UTC)
		setValue(&a.Status, p.Status, nil)
		if err := a.Validate(); err != nil {
			return Audit{}, err
		}
		err := updateVersioned(tx, &models.Announcement{}, "announcement", id, version, map[string]any{
			"slug": a.Slug, "title": a.Title, "body": a.Body, "pinned": a.Pinned,
			"starts_at": a.StartsAt, "ends_at": a.EndsAt, "status": a.Status,
		})
		if err != nil {
			return Audit{}, err
		}
		if err := s.afterAnnouncementWrite(tx, a, wasPublished, p.AttachmentIDs); err != nil {
			return Audit{}, err
		}
		return announcementAudit("announcement.update", a), nil
	})
	if err != nil {
		return models.Announcement{}, err
	}
	return s.AnnouncementByID(ctx, id)
}

// afterAnnouncementWrite keeps what follows an announcement in step with its row: the search
// entry, the outbox event when it becomes visible or leaves public view (announceAnnouncement),
// and its attachments when given.
func (s *Store) afterAnnouncementWrite(tx *gorm.DB, a models.Announcement, wasPublished bool, attachmentIDs *[]int64) error {
	if err := indexSearch(tx, announcementSearchEntry(a)); err != nil {
		return err
	}
	if wasPublished || a.Status == models.PublicationPublished {
		purge(tx, surrogate.Announcements, surrogate.Announcement(a.ID))
	}
	if err := announceAnnouncement(tx, &a); err != nil {
		return err
	}
	if attachmentIDs == nil {
		return nil
	}
	return setMediaLinks(tx, announcementOwner, a.ID, models.LinkAttachment, *attachmentIDs, "attachment_ids")
}

func announcementAudit(action string, a models.Announcement) Audit {
	return Audit{Action: action, TargetType: "announcement", TargetID: strconv.FormatInt(a.ID, 10), Detail: "status=" + a.Status}
}

// announcementKind is announcements for the steps they share with documents.
var announcementKind = attachedKind{"announcement", KindAnnouncement, announcementOwner, surrogate.Announcements, surrogate.Announcement,
	func(tx *gorm.DB, id int64) (SearchEntry, error) {
		var a models.Announcement
		err := tx.Take(&a, id).Error
		return announcementSearchEntry(a), err
	}, announcementTrashed}

// announcementTrashed tells receivers that a visible announcement went to the trash (its row,
// which the trash holds, is a draft now).
func announcementTrashed(tx *gorm.DB, id int64) error {
	var a models.Announcement
	if err := tx.Take(&a, id).Error; err != nil {
		return err
	}
	return announceAnnouncement(tx, &a)
}

// DeleteAnnouncement moves an announcement to the trash at the version the client read: it
// becomes a draft, out of every public read, until restored or deleted for good.
func (s *Store) DeleteAnnouncement(ctx context.Context, actor Actor, id int64, version int) error {
	return s.trashAttached(ctx, actor, &models.Announcement{}, announcementKind, id, version)
}

// RestoreAnnouncement takes an announcement out of the trash, as a draft.
func (s *Store) RestoreAnnouncement(ctx context.Context, actor Actor, id int64, version int) (models.Announcement, error) {
	if err := s.restoreAttached(ctx, actor, &models.Announcement{}, announcementKind, id, version); err != nil {
		return models.Announcement{}, err
	}
	return s.AnnouncementByID(ctx, id)
}

// DeleteAnnouncementForGood deletes an announcement in the trash, with its links.
func (s *Store) DeleteAnnouncementForGood(ctx context.Context, actor Actor, id int64, version int) error {
	return s.deleteAttachedForGood(ctx, actor, &models.Announcement{}, announcementKind, id, version)
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
