package models

import "time"

// Publication states of announcements and documents, which editors set directly on create or
// update (articles have their own workflow).
const (
	PublicationDraft     = "draft"
	PublicationPublished = "published"
)

// PublicationStatuses lists every publication state.
var PublicationStatuses = []string{PublicationDraft, PublicationPublished}

// Announcement is a "Thông báo". The public site shows it while it is published and inside its
// window: StartsAt ≤ now < EndsAt, or no end.
type Announcement struct {
	ID       int64 `gorm:"primaryKey"`
	Slug     string
	Title    string
	Body     string // sanitised HTML
	Pinned   bool
	StartsAt time.Time
	EndsAt   *time.Time
	Status   string
	// AnnouncedAt is when announcement.published went out for the window that is open: nil
	// before it opens and after the scheduler saw it close (announcement.unpublished).
	AnnouncedAt *time.Time
	Version     int
	TrashedAt   *time.Time // in the trash since, by TrashedByID (a draft while there); nil: not in it
	TrashedByID *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Attachments []Media `gorm:"-"` // filled by the store, in position order
}

// PublicAt reports whether readers see the announcement at now: published, and inside its window.
func (a Announcement) PublicAt(now time.Time) bool {
	return a.Status == PublicationPublished && !a.StartsAt.After(now) && (a.EndsAt == nil || a.EndsAt.After(now))
}

// Validate checks the rules that span fields: an end, if any, comes after the start.
func (a Announcement) Validate() error {
	if a.EndsAt != nil && !a.EndsAt.After(a.StartsAt) {
		return InvalidField("ends_at", "must be after starts_at")
	}
	return nil
}
