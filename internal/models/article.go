package models

import (
	"time"
)

// Article statuses. A scheduled article is visible from its PublishedAt on, with no job needed:
// public queries ask for status published or scheduled and published_at ≤ now.
const (
	StatusDraft     = "draft"
	StatusPending   = "pending"
	StatusScheduled = "scheduled"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// ArticleStatuses lists every status, in workflow order.
var ArticleStatuses = []string{StatusDraft, StatusPending, StatusScheduled, StatusPublished, StatusArchived}

// Article is a news article. Body is sanitised HTML. Tags are loaded by the store, in the order the article lists them.
type Article struct {
	ID           int64  `gorm:"primaryKey"`
	Slug         string `gorm:"size:100;not null;uniqueIndex"`
	SlugLocked   bool   `gorm:"not null"` // set once published or set by hand: the slug no longer follows the title
	Title        string `gorm:"size:300;not null"`
	Summary      string
	Body         string
	Status       string `gorm:"size:20;not null"`
	CategoryID   int64  `gorm:"not null"`
	Category     Category
	AuthorID     int64 `gorm:"not null"`
	Author       User
	Authors      []User `gorm:"-"` // every author in order, the first the primary one (AuthorID), from article_authors
	Byline       string `gorm:"size:200"`
	Featured     bool   `gorm:"not null"`
	CoverMediaID *int64
	Cover        *Media `gorm:"foreignKey:CoverMediaID"`
	CoverCaption string `gorm:"size:500"`
	Tags         []Tag  `gorm:"-"`
	// WordCount and ReadingTime (minutes) are counted from the body's text at every write.
	WordCount   int `gorm:"not null;default:0"`
	ReadingTime int `gorm:"not null;default:0"`
	// SEO and sharing; empty means the default (see SEO).
	MetaTitle       string
	MetaDescription string
	CanonicalURL    string `gorm:"column:canonical_url"`
	OGImageMediaID  *int64 `gorm:"column:og_image_media_id"`
	OGImage         *Media `gorm:"foreignKey:OGImageMediaID"`
	Noindex         bool   `gorm:"not null;default:false"`
	PublishedAt     *time.Time
	// UnpublishAt is a scheduled take-down: the scheduler unpublishes the article then.
	UnpublishAt *time.Time
	// AnnouncedAt is when article.published went out for the current publication: nil until
	// the article is live (a scheduled one: until the scheduler sees its publish_at pass).
	AnnouncedAt *time.Time
	ViewCount   int64 `gorm:"not null;default:0"` // exact, as the view flush adds to it
	// ShownViewCount is what readers see: view_count as of the last refresh of shown views.
	ShownViewCount int64 `gorm:"not null;default:0"`
	Version        int   `gorm:"not null;default:1"`
	// PreviewGeneration is signed into preview tokens; unpublish and archive move it on, which
	// revokes every preview link made before.
	PreviewGeneration int64 `gorm:"not null;default:0"`
	// TrashedAt is when the article was moved to the trash, by TrashedByID; nil: not in it.
	// Trashing takes it back to draft, so no public read ever shows it.
	TrashedAt   *time.Time
	TrashedByID *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ReadingRate is the words a minute reading_time assumes.
const ReadingRate = 200

// ReadingMinutes is the reading time of a body of words: whole minutes, rounded up, at least
// one for a body with any word.
func ReadingMinutes(words int) int { return (words + ReadingRate - 1) / ReadingRate }

// StatusAt is the status as readers see it at now: a scheduled article whose time has come is
// published, though its row still says scheduled.
func (a Article) StatusAt(now time.Time) string {
	if a.Status == StatusScheduled && a.PublishedAt != nil && !a.PublishedAt.After(now) {
		return StatusPublished
	}
	return a.Status
}

// Workflow actions on an article.
const (
	ActionSubmit    = "submit"
	ActionPublish   = "publish"
	ActionUnpublish = "unpublish"
	ActionArchive   = "archive"
)

// How an article came to a version, besides the workflow actions.
const (
	RevisionCreate  = "create"
	RevisionUpdate  = "update"
	RevisionRestore = "restore"
	RevisionTrash   = "trash"   // moved to the trash
	RevisionUntrash = "untrash" // restored from the trash, as a draft
)

// RevisionActions lists every action a revision records.
var RevisionActions = []string{RevisionCreate, RevisionUpdate, RevisionRestore, ActionSubmit, ActionPublish, ActionUnpublish, ActionArchive, RevisionTrash, RevisionUntrash}

// allowedFrom lists, per action, the statuses (as of now) it may start from.
var allowedFrom = map[string][]string{
	ActionSubmit:    {StatusDraft},
	ActionPublish:   {StatusDraft, StatusPending, StatusScheduled},
	ActionUnpublish: {StatusPublished, StatusScheduled, StatusArchived},
	ActionArchive:   {StatusPublished},
}

// Transition applies a workflow action at now: draft → pending → published | scheduled →
// archived, and unpublish back to draft. Publishing with a publishAt in the future schedules
// the article; without one it is published at now. An action the current status does not allow
// is a conflict that says what is possible.
func (a *Article) Transition(action string, now time.Time, publishAt *time.Time) error {
	current := a.StatusAt(now)
	ok := false
	for _, s := range allowedFrom[action] {
		ok = ok || s == current
	}
	if !ok {
		return Conflict("cannot %s an article that is %s: %s", action, current, transitionHint(current))
	}
	switch action {
	case ActionSubmit:
		a.Status = StatusPending
	case ActionPublish:
		at := now
		a.Status = StatusPublished
		if publishAt != nil {
			at = *publishAt
			a.Status = StatusScheduled
		}
		at = at.UTC().Truncate(time.Microsecond)
		a.PublishedAt = &at
		a.SlugLocked = true
	case ActionUnpublish:
		a.Status = StatusDraft
		a.PublishedAt = nil
		a.UnpublishAt = nil
	case ActionArchive:
		a.Status = StatusArchived
		a.UnpublishAt = nil
	}
	return nil
}

// CheckTakeDown checks a scheduled take-down against now: it comes after now and after the
// article's publication.
func (a Article) CheckTakeDown(now time.Time) error {
	switch {
	case a.UnpublishAt == nil:
		return nil
	case !a.UnpublishAt.After(now):
		return InvalidField("unpublish_at", "must be in the future")
	case a.PublishedAt != nil && !a.UnpublishAt.After(*a.PublishedAt):
		return InvalidField("unpublish_at", "must be after publish_at")
	}
	return nil
}

func transitionHint(status string) string {
	switch status {
	case StatusDraft:
		return "a draft can be submitted or published"
	case StatusPending:
		return "a pending article can be published"
	case StatusScheduled:
		return "a scheduled article can be published now, rescheduled or unpublished"
	case StatusPublished:
		return "a published article can be unpublished or archived"
	default:
		return "an archived article can only be unpublished (back to draft)"
	}
}

// ArticleSnapshot is the full state of an article at one version, kept in its revision.
type ArticleSnapshot struct {
	Title        string     `json:"title"`
	Slug         string     `json:"slug"`
	Summary      string     `json:"summary"`
	Body         string     `json:"body"`
	Status       string     `json:"status" enums:"draft,pending,scheduled,published,archived"`
	CategoryID   int64      `json:"category_id"`
	Tags         []string   `json:"tags"`
	CoverMediaID *int64     `json:"cover_media_id" extensions:"x-nullable"`
	CoverCaption string     `json:"cover_caption"`
	Byline       string     `json:"byline"`
	Featured     bool       `json:"featured"`
	PublishedAt  *time.Time `json:"published_at" extensions:"x-nullable" format:"date-time"`
	UnpublishAt  *time.Time `json:"unpublish_at" extensions:"x-nullable" format:"date-time"`
	AuthorID     int64      `json:"author_id"`
	// Every author in order, the primary first; absent in revisions stored before co-authors.
	AuthorIDs []int64 `json:"author_ids,omitempty"`
	// SEO and sharing (empty in revisions made before they existed).
	MetaTitle       string `json:"meta_title"`
	MetaDescription string `json:"meta_description"`
	CanonicalURL    string `json:"canonical_url"`
	OGImageMediaID  *int64 `json:"og_image_media_id" extensions:"x-nullable"`
	Noindex         bool   `json:"noindex"`
} // @name ArticleSnapshot

// Snapshot is the article's state for a revision.
func (a Article) Snapshot() ArticleSnapshot {
	tags := make([]string, len(a.Tags))
	for i, t := range a.Tags {
		tags[i] = t.Name
	}
	var authors []int64
	for _, u := range a.Authors {
		authors = append(authors, u.ID)
	}
	return ArticleSnapshot{
		Title: a.Title, Slug: a.Slug, Summary: a.Summary, Body: a.Body, Status: a.Status,
		CategoryID: a.CategoryID, Tags: tags, CoverMediaID: a.CoverMediaID, CoverCaption: a.CoverCaption,
		Byline: a.Byline, Featured: a.Featured, PublishedAt: a.PublishedAt, UnpublishAt: a.UnpublishAt, AuthorID: a.AuthorID, AuthorIDs: authors,
		MetaTitle: a.MetaTitle, MetaDescription: a.MetaDescription, CanonicalURL: a.CanonicalURL,
		OGImageMediaID: a.OGImageMediaID, Noindex: a.Noindex,
	}
}

// ArticleRevision is the article as it was at one version: Number is that version. Every
// change to an article stores one, in the same transaction.
type ArticleRevision struct {
	ArticleID int64  `gorm:"primaryKey;autoIncrement:false"`
	Number    int    `gorm:"primaryKey;autoIncrement:false"`
	Action    string `gorm:"size:20;not null"` // create, update, restore or a workflow action
	ActorID   *int64
	Actor     *User  `gorm:"foreignKey:ActorID"`
	Snapshot  string `gorm:"not null"` // ArticleSnapshot as JSON
	CreatedAt time.Time
}
