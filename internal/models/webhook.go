package models

import (
	"slices"
	"time"
)

// Webhook event types (API.md). Ping is sent only on request, to test a webhook.
const (
	EventArticlePublished      = "article.published"
	EventArticleUpdated        = "article.updated"
	EventArticleUnpublished    = "article.unpublished"
	EventAnnouncementPublished = "announcement.published"
	// EventAnnouncementUnpublished fires when a public announcement leaves public view: its
	// window closes, it is set back to draft, or it is moved to the trash.
	EventAnnouncementUnpublished = "announcement.unpublished"
	EventDocumentPublished       = "document.published"
	EventSubmissionReceived      = "submission.received"
	EventPing                    = "ping"
)

// WebhookEvents lists the events a webhook may subscribe to, in the order they are shown.
var WebhookEvents = []string{
	EventArticlePublished, EventArticleUpdated, EventArticleUnpublished,
	EventAnnouncementPublished, EventAnnouncementUnpublished, EventDocumentPublished, EventSubmissionReceived,
}

// Statuses of a webhook delivery.
const (
	DeliveryPending   = "pending"   // not yet answered with a 2xx; retried at NextAttemptAt
	DeliveryDelivered = "delivered" // answered with a 2xx
	DeliveryFailed    = "failed"    // every attempt failed, or the webhook was deactivated meanwhile
)

// DeliveryStatuses lists every delivery status.
var DeliveryStatuses = []string{DeliveryPending, DeliveryDelivered, DeliveryFailed}

// Webhook is an endpoint that receives a signed POST for each event it subscribes to. Secret
// keys the HMAC signature; it is shown to the admin once, when generated, and never again.
type Webhook struct {
	ID        int64    `gorm:"primaryKey"`
	URL       string   `gorm:"size:2000;not null"`
	Events    []string `gorm:"serializer:json;not null"`
	Secret    string   `gorm:"size:200;not null"`
	Active    bool     `gorm:"not null"`
	Version   int      `gorm:"not null;default:1"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Subscribes reports whether the webhook wants events of the type.
func (w Webhook) Subscribes(eventType string) bool { return slices.Contains(w.Events, eventType) }

// WebhookEvent is one change that webhooks hear of. It is written in the same transaction as the
// change itself (an outbox), so an event is sent if and only if its change was committed.
type WebhookEvent struct {
	ID        int64  `gorm:"primaryKey"`
	Type      string `gorm:"size:40;not null"`
	Data      string `gorm:"not null"` // WebhookEventData as JSON, without its URL
	FannedOut bool   `gorm:"not null"` // the deliveries to the webhooks subscribed to it are made
	CreatedAt time.Time
}

// WebhookEventData says which item an event is about: enough to show it, and its URL on the
// public API to fetch the rest. Fields that do not apply to the item are left out.
type WebhookEventData struct {
	ID          int64      `json:"id" example:"42"`
	Slug        string     `json:"slug,omitempty" example:"dai-hoi-dai-bieu-mat-tran"`
	Number      string     `json:"number,omitempty" example:"12/NQ-MTTW"`
	Title       string     `json:"title,omitempty" example:"Đại hội đại biểu Mặt trận"`
	Status      string     `json:"status,omitempty" example:"published" enums:"draft,pending,scheduled,published,archived,trashed,ended"`
	PublishedAt *time.Time `json:"published_at,omitempty" format:"date-time"`
	StartsAt    *time.Time `json:"starts_at,omitempty" format:"date-time"`
	EndsAt      *time.Time `json:"ends_at,omitempty" format:"date-time"`
	IssuedOn    string     `json:"issued_on,omitempty" format:"date" example:"2026-08-20"`
	CreatedAt   *time.Time `json:"created_at,omitempty" format:"date-time"`
	URL         string     `json:"url,omitempty" example:"https://mattran.org.vn/api/v1/articles/dai-hoi-dai-bieu-mat-tran"`
	// PageURL is the item's page on the public site (TOASOAN_SITE_URL), beside URL, the item on
	// the public API (TOASOAN_PUBLIC_URL).
	PageURL string `json:"page_url,omitempty" example:"https://mattran.org.vn/articles/dai-hoi-dai-bieu-mat-tran"`
	// Purge is what the change made stale, for a CDN in front of the public API: absent when it
	// changed nothing public.
	Purge *WebhookPurge `json:"purge,omitempty"`
} // @name WebhookEventData

// WebhookPurge names what a change made stale: the surrogate keys to purge (as the public
// responses' Surrogate-Key and Cache-Tag headers carry them) and, for CDNs that purge by URL,
// the public API paths whose response changed (without their query strings, which a purge by
// key covers).
type WebhookPurge struct {
	Keys  []string `json:"keys" example:"article-42,articles,category-3,tag-7"`
	Paths []string `json:"paths" example:"/api/v1/articles/dai-hoi-dai-bieu-mat-tran,/api/v1/articles,/feeds/rss.xml,/sitemap.xml"`
} // @name WebhookPurge

// WebhookPayload is the JSON body of a delivery, exactly as signed and sent.
type WebhookPayload struct {
	Event      string           `json:"event" example:"article.published" enums:"article.published,article.updated,article.unpublished,announcement.published,announcement.unpublished,document.published,submission.received,ping"`
	EventID    int64            `json:"event_id" example:"1024"`
	DeliveryID int64            `json:"delivery_id" example:"2048"`
	OccurredAt time.Time        `json:"occurred_at" format:"date-time"`
	Data       WebhookEventData `json:"data"`
} // @name WebhookPayload

// WebhookDelivery is one event on its way to one webhook, with its latest attempt.
type WebhookDelivery struct {
	ID             int64        `gorm:"primaryKey"`
	WebhookID      int64        `gorm:"not null"`
	EventID        int64        `gorm:"not null"`
	Event          WebhookEvent `gorm:"foreignKey:EventID"`
	Status         string       `gorm:"size:20;not null"`
	Attempts       int          `gorm:"not null"`
	NextAttemptAt  time.Time    `gorm:"not null"` // due time while pending; while sent, the end of the sender's lease
	LastStatusCode *int
	LastError      string `gorm:"size:300;not null"`
	ResponseMS     *int64
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	History        []WebhookAttempt `gorm:"-"` // filled by the store, oldest first
}

// WebhookAttempt is one POST of a delivery and how the receiver answered.
type WebhookAttempt struct {
	ID          int64     `gorm:"primaryKey"`
	DeliveryID  int64     `gorm:"not null"`
	Number      int       `gorm:"not null"`
	AttemptedAt time.Time `gorm:"not null"`
	StatusCode  *int      // nil: no answer (refused, timed out)
	Error       string    `gorm:"size:300;not null"`
	ResponseMS  int64     `gorm:"not null"`
}
