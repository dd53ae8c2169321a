package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// The outbox: the content writes call enqueueEvent in their own transaction, and the webhook
// dispatcher turns the events into deliveries (FanOutWebhookEvents), sends the due ones
// (ClaimWebhookDeliveries) and records each answer (RecordWebhookAttempt).

// enqueueEvent records an event in the transaction of the change it is about.
// Its purge block names the keys the write has purged so far (so a write purges before it
// enqueues) and the paths data's constructor gave.
func enqueueEvent(tx *gorm.DB, eventType string, data models.WebhookEventData) error {
	data.Purge = withKeys(data.Purge, purgedKeys(tx))
	e, err := webhookEvent(eventType, data)
	if err != nil {
		return err
	}
	if err := tx.Create(&e).Error; err != nil {
		return err
	}
	markEnqueued(tx)
	return nil
}

// withKeys completes an event's purge block with the keys its write purged; a write that
// purged nothing changed nothing public, and its event has no purge block.
func withKeys(p *models.WebhookPurge, keys []string) *models.WebhookPurge {
	if p == nil || len(keys) == 0 {
		return nil
	}
	p.Keys = keys
	return p
}

// webhookEvent is the outbox row of an event.
func webhookEvent(eventType string, data models.WebhookEventData) (models.WebhookEvent, error) {
	b, err := json.Marshal(data)
	return models.WebhookEvent{Type: eventType, Data: string(b)}, err
}

// WebhookWake receives a value after a committed write that may have enqueued webhook events.
func (s *Store) WebhookWake() <-chan struct{} { return s.webhookWake }

// articleAnnounced reports whether webhook receivers were told of the article's publication
// and not yet of its end: article.published went out, at the latest when it went live.
func articleAnnounced(a models.Article) bool { return a.AnnouncedAt != nil }

// articlePublic reports whether readers see the article at now.
func articlePublic(a models.Article, now time.Time) bool {
	return a.StatusAt(now) == models.StatusPublished
}

// announceArticle records the event of an article's write, if any, deciding from the row as
// the write left it (after's announced_at is the committed one: a scheduler that announced the
// article meanwhile held its row until it committed). Public and not announced: article.published,
// now (a scheduled article that is not live yet is not announced: nothing about it leaves toasoan
// before its publish_at; the scheduler announces it then). Announced and no longer public:
// article.unpublished. Announced and still public: article.updated.
func announceArticle(tx *gorm.DB, before *models.Article, after *models.Article) error {
	now := tx.NowFunc()
	public, announced := articlePublic(*after, now), articleAnnounced(*after)
	var event string
	switch {
	case public && !announced:
		event = models.EventArticlePublished
		if err := setAnnounced(tx, &models.Article{}, after.ID, &now); err != nil {
			return err
		}
		after.AnnouncedAt = &now
	case !public && announced:
		event = models.EventArticleUnpublished
		if err := setAnnounced(tx, &models.Article{}, after.ID, nil); err != nil {
			return err
		}
		after.AnnouncedAt = nil
	case public:
		event = models.EventArticleUpdated
	default:
		return nil
	}
	data := articleEventData(*after, after.StatusAt(now))
	if before != nil && before.Slug != after.Slug {
		data.Purge.Paths = append(data.Purge.Paths, surrogate.ArticlePath(before.Slug))
	}
	return enqueueEvent(tx, event, data)
}

// setAnnounced sets the announced_at of the row of model, leaving its version and updated_at:
// telling receivers changes nothing an editor sees.
func setAnnounced(tx *gorm.DB, model any, id int64, at *time.Time) error {
	return tx.Model(model).Where("id = ?", id).UpdateColumn("announced_at", at).Error
}

func articleEventData(a models.Article, status string) models.WebhookEventData {
	return models.WebhookEventData{ID: a.ID, Slug: a.Slug, Title: a.Title, Status: status, PublishedAt: a.PublishedAt,
		Purge: &models.WebhookPurge{Paths: append([]string{surrogate.ArticlePath(a.Slug)}, surrogate.ArticleListPaths...)}}
}

// becomesPublished reports whether writing status to the row of model at version publishes it:
// it was not published at that version. (A stale version fails the write itself.)
func becomesPublished(tx *gorm.DB, model any, id int64, version int, status string) (bool, error) {
	if status != models.PublicationPublished {
		return false, nil
	}
	var before []string
	err := tx.Model(model).Where("id = ? AND version = ?", id, version).Pluck("status", &before).Error
	return len(before) == 1 && before[0] != models.PublicationPublished, err
}

func announcementEventData(a models.Announcement) models.WebhookEventData {
	return models.WebhookEventData{ID: a.ID, Slug: a.Slug, Title: a.Title, Status: a.Status,
		StartsAt: &a.StartsAt, EndsAt: a.EndsAt,
		Purge: &models.WebhookPurge{Paths: append([]string{surrogate.AnnouncementPath(a.Slug)}, surrogate.AnnouncementListPaths...)}}
}

func documentEventData(d models.Document) models.WebhookEventData {
	return models.WebhookEventData{ID: d.ID, Number: d.Number, Title: d.Title, Status: d.Status,
		IssuedOn: d.IssuedOn.String(),
		Purge:    &models.WebhookPurge{Paths: append([]string{surrogate.DocumentPath(d.ID)}, surrogate.DocumentListPaths...)}}
}

// submissionEventData is only the submission's id and time: a webhook's receiver is outside
// the newsroom, and everything else a reader sent (name, contact, subject, content) may be
// personal; the tracking code would let anyone read the board's reply. Receivers fetch the rest
// with an editor's token.
func submissionEventData(sub models.Submission) models.WebhookEventData {
	return models.WebhookEventData{ID: sub.ID, CreatedAt: &sub.CreatedAt}
}

// NewWebhook is a webhook to create, its URL, events and secret checked by the caller.
type NewWebhook struct {
	URL    string
	Events []string
	Secret string
	Active bool
}

// CreateWebhook stores a new webhook.
func (s *Store) CreateWebhook(ctx context.Context, actor Actor, in NewWebhook) (models.Webhook, error) {
	w := models.Webhook{URL: in.URL, Events: in.Events, Secret: in.Secret, Active: in.Active}
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := tx.Create(&w).Error; err != nil {
			return Audit{}, err
		}
		return Audit{Action: "webhook.create", TargetType: "webhook", TargetID: strconv.FormatInt(w.ID, 10),
			Detail: "events=" + strings.Join(w.Events, ",") + " active=" + strconv.FormatBool(w.Active)}, nil
	})
	return w, err
}

// Webhooks returns a page of webhooks, oldest first, and the total.
func (s *Store) Webhooks(ctx context.Context, p models.Page) ([]models.Webhook, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&models.Webhook{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var list []models.Webhook
	err := db.Order("id").Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error
	return list, total, err
}

// WebhookByID finds a webhook.
func (s *Store) WebhookByID(ctx context.Context, id int64) (models.Webhook, error) {
	var w models.Webhook
	err := s.db.WithContext(ctx).Take(&w, id).Error
	return w, notFound(err, "webhook")
}

// WebhookPatch holds the fields of a webhook to change; nil means unchanged.
type WebhookPatch struct {
	URL    *string
	Events *[]string
	Secret *string
	Active *bool
}

// describe is the audit detail of a change: which fields, never the URL or secret.
func (p WebhookPatch) describe() string {
	var parts []string
	if p.URL != nil {
		parts = append(parts, "url")
	}
	if p.Events != nil {
		parts = append(parts, "events="+strings.Join(*p.Events, ","))
	}
	if p.Secret != nil {
		parts = append(parts, "secret")
	}
	if p.Active != nil {
		parts = append(parts, "active="+strconv.FormatBool(*p.Active))
	}
	return strings.Join(parts, " ")
}

// UpdateWebhook applies a patch at the version the client read. Deactivating a webhook fails its
// pending deliveries: they are not sent later, when it is activated again. A new URL or secret
// applies to the retries.
func (s *Store) UpdateWebhook(ctx context.Context, actor Actor, id int64, version int, p WebhookPatch) (models.Webhook, error) {
	var w models.Webhook
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &w, "webhook", id, version); err != nil {
			return Audit{}, err
		}
		deactivated := w.Active && p.Active != nil && !*p.Active
		updates := map[string]any{}
		if p.URL != nil {
			updates["url"] = *p.URL
		}
		if p.Events != nil {
			events, err := json.Marshal(*p.Events) // the column's serializer:json
			if err != nil {
				return Audit{}, err
			}
			updates["events"] = string(events)
		}
		if p.Secret != nil {
			updates["secret"] = *p.Secret
		}
		if p.Active != nil {
			updates["active"] = *p.Active
		}
		if err := updateVersioned(tx, &models.Webhook{}, "webhook", id, version, updates); err != nil {
			return Audit{}, err
		}
		if deactivated {
			err := tx.Model(&models.WebhookDelivery{}).Where("webhook_id = ? AND status = ?", id, models.DeliveryPending).
				Updates(map[string]any{"status": models.DeliveryFailed, "last_error": "the webhook was deactivated"}).Error
			if err != nil {
				return Audit{}, err
			}
		}
		if err := tx.Take(&w, id).Error; err != nil {
			return Audit{}, err
		}
		return Audit{Action: "webhook.update", TargetType: "webhook", TargetID: strconv.FormatInt(id, 10), Detail: p.describe()}, nil
	})
	return w, err
}

// DeleteWebhook deletes a webhook at the version the client read; the foreign keys delete its
// deliveries and their attempts with it, locking each delivery, so an attempt being recorded
// either lands before and is deleted with them, or finds them gone.
func (s *Store) DeleteWebhook(ctx context.Context, actor Actor, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := deleteVersioned(tx, &models.Webhook{}, "webhook", id, version); err != nil {
			return Audit{}, err
		}
		return Audit{Action: "webhook.delete", TargetType: "webhook", TargetID: strconv.FormatInt(id, 10)}, nil
	})
}

// PingWebhook makes a ping event and its delivery to the webhook, due now. An inactive webhook
// sends nothing: a conflict. It is not audited, as before: the delivery log shows it.
func (s *Store) PingWebhook(ctx context.Context, actor Actor, id int64) (models.WebhookDelivery, error) {
	var d models.WebhookDelivery
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var w models.Webhook
		if err := tx.Take(&w, id).Error; err != nil {
			return Audit{}, notFound(err, "webhook")
		}
		if !w.Active {
			return Audit{}, models.Conflict("the webhook is inactive; activate it to ping it")
		}
		data, err := json.Marshal(models.WebhookEventData{ID: w.ID})
		if err != nil {
			return Audit{}, err
		}
		// Made fanned out: the ping goes to this webhook only, whatever others subscribe to.
		event := models.WebhookEvent{Type: models.EventPing, Data: string(data), FannedOut: true}
		if err := tx.Create(&event).Error; err != nil {
			return Audit{}, err
		}
		d = models.WebhookDelivery{WebhookID: w.ID, EventID: event.ID, Event: event, Status: models.DeliveryPending, NextAttemptAt: tx.NowFunc().UTC()}
		err = tx.Omit(clause.Associations).Create(&d).Error
		if isForeignKey(err) { // the webhook was deleted since it was read (PostgreSQL)
			return Audit{}, models.NotFound("webhook")
		}
		return Audit{}, err
	})
	return d, err
}

// skipLocked makes a read take its rows with FOR UPDATE SKIP LOCKED on PostgreSQL, so the
// dispatchers of several replicas take different rows and none waits for another. SQLite
// serves one process, whose write transactions are exclusive already.
func (s *Store) skipLocked(tx *gorm.DB) *gorm.DB {
	if s.Dialect() == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	return tx
}

// FanOutWebhookEvents makes, for up to limit events not yet fanned out (oldest first), one
// delivery per active webhook subscribed to its type, due at now. It returns how many events
// it took. With nothing to do it only reads: SQLite's transactions would take the write lock.
func (s *Store) FanOutWebhookEvents(ctx context.Context, now time.Time, limit int) (int, error) {
	// The predicate is the partial index's (migration 0050), spelled as a literal.
	newEvents := func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.WebhookEvent{}).Where("fanned_out = false").Order("id").Limit(limit)
	}
	var found []int64
	if err := newEvents(s.db.WithContext(ctx)).Pluck("id", &found).Error; err != nil || len(found) == 0 {
		return 0, err
	}
	var events []models.WebhookEvent
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		if err := s.skipLocked(newEvents(tx)).Find(&events).Error; err != nil || len(events) == 0 {
			return Audit{}, err
		}
		var hooks []models.Webhook
		if err := tx.Where("active = ?", true).Order("id").Find(&hooks).Error; err != nil {
			return Audit{}, err
		}
		var deliveries []models.WebhookDelivery
		ids := make([]int64, len(events))
		for i, e := range events {
			ids[i] = e.ID
			for _, h := range hooks {
				if h.Subscribes(e.Type) {
					deliveries = append(deliveries, models.WebhookDelivery{
						WebhookID: h.ID, EventID: e.ID, Status: models.DeliveryPending, NextAttemptAt: now.UTC(),
					})
				}
			}
		}
		if len(deliveries) > 0 {
			if err := tx.Omit(clause.Associations).Create(&deliveries).Error; err != nil {
				return Audit{}, err
			}
		}
		return Audit{}, tx.Model(&models.WebhookEvent{}).Where("id IN ?", ids).Update("fanned_out", true).Error
	})
	return len(events), err
}

// ClaimedDelivery is a delivery taken for sending, with its event and where to send it.
// Attempts counts the attempt about to be made.
type ClaimedDelivery struct {
	models.WebhookDelivery
	URL    string
	Secret string
}

// ClaimWebhookDeliveries takes up to limit pending deliveries due at now, the longest due
// first, counts an attempt for each and leases them until now+lease: no dispatcher takes them
// again before, and if this one dies while sending, they are retried after it. With nothing
// due it only reads.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	now = now.UTC()
	// The predicate is the partial index's (migration 0050), spelled as a literal.
	due := func(db *gorm.DB) *gorm.DB {
		return db.Model(&models.WebhookDelivery{}).Where("status = 'pending' AND next_attempt_at <= ?", now).
			Order("next_attempt_at, id").Limit(limit)
	}
	var found []int64
	if err := due(s.db.WithContext(ctx)).Pluck("id", &found).Error; err != nil || len(found) == 0 {
		return nil, err
	}
	var out []ClaimedDelivery
	err := s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		var ids []int64
		if err := s.skipLocked(due(tx)).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return Audit{}, err
		}
		err := tx.Model(&models.WebhookDelivery{}).Where("id IN ?", ids).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "next_attempt_at": now.Add(lease)}).Error
		if err != nil {
			return Audit{}, err
		}
		var list []models.WebhookDelivery
		if err := tx.Joins("Event").Where("webhook_deliveries.id IN ?", ids).Order("webhook_deliveries.id").Find(&list).Error; err != nil {
			return Audit{}, err
		}
		hookIDs := make([]int64, len(list))
		for i, d := range list {
			hookIDs[i] = d.WebhookID
		}
		var hooks []models.Webhook
		if err := tx.Where("id IN ?", hookIDs).Find(&hooks).Error; err != nil {
			return Audit{}, err
		}
		byID := make(map[int64]models.Webhook, len(hooks))
		for _, h := range hooks {
			byID[h.ID] = h
		}
		for _, d := range list {
			h := byID[d.WebhookID]
			out = append(out, ClaimedDelivery{WebhookDelivery: d, URL: h.URL, Secret: h.Secret})
		}
		return Audit{}, nil
	})
	return out, err
}

// RecordWebhookAttempt stores an attempt of a delivery and leaves the delivery in status:
// pending (retried at next), delivered or failed. A delivery no longer pending (its webhook
// was deactivated meanwhile) keeps its status; one whose webhook was deleted is not recorded.
func (s *Store) RecordWebhookAttempt(ctx context.Context, a models.WebhookAttempt, status string, next time.Time) error {
	return s.write(ctx, System, func(tx *gorm.DB) (Audit, error) {
		var d models.WebhookDelivery
		err := s.locking(tx).Select("id").Take(&d, a.DeliveryID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Audit{}, nil
		}
		if err != nil {
			return Audit{}, err
		}
		a.AttemptedAt = a.AttemptedAt.UTC()
		if err := tx.Create(&a).Error; err != nil {
			return Audit{}, err
		}
		updates := map[string]any{
			"status": status, "last_status_code": a.StatusCode, "last_error": a.Error, "response_ms": a.ResponseMS,
		}
		switch status {
		case models.DeliveryPending:
			updates["next_attempt_at"] = next.UTC()
		case models.DeliveryDelivered:
			updates["delivered_at"] = a.AttemptedAt
		}
		return Audit{}, tx.Model(&models.WebhookDelivery{}).Where("id = ? AND status = ?", a.DeliveryID, models.DeliveryPending).
			Updates(updates).Error
	})
}

// WebhookDeliveries returns a page of a webhook's deliveries (of one status, unless ""),
// newest first, with their events and attempts, and the total: four queries whatever the page
// size.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, status string, p models.Page) ([]models.WebhookDelivery, int64, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.WebhookByID(ctx, webhookID); err != nil {
		return nil, 0, err
	}
	q := func() *gorm.DB {
		q := db.Model(&models.WebhookDelivery{}).Where("webhook_deliveries.webhook_id = ?", webhookID)
		if status != "" {
			q = q.Where("webhook_deliveries.status = ?", status)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var list []models.WebhookDelivery
	err := q().Joins("Event").Order("webhook_deliveries.id DESC").Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error
	if err != nil || len(list) == 0 {
		return list, total, err
	}
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	var attempts []models.WebhookAttempt
	if err := db.Where("delivery_id IN ?", ids).Order("delivery_id, number").Find(&attempts).Error; err != nil {
		return nil, 0, err
	}
	byDelivery := map[int64][]models.WebhookAttempt{}
	for _, a := range attempts {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], a)
	}
	for i := range list {
		list[i].History = byDelivery[list[i].ID]
	}
	return list, total, nil
}
