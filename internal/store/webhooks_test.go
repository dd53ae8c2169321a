package store_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestWebhookWritesCommitWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := testdb.NewClock(testdb.Epoch)
		st := store.New(db, clock.Now)
		admin, err := st.CreateUser(ctx, store.System, store.NewUser{Email: "admin@mattran.org.vn", Name: "Quản trị", Role: models.RoleAdmin, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		actor := store.Actor{UserID: admin.ID, Role: models.RoleAdmin, IP: "203.0.113.9", RequestID: "req-webhooks"}
		var w models.Webhook
		webhook := func(*testing.T) any {
			var got []models.Webhook
			db.Order("id").Find(&got)
			var deliveries []models.WebhookDelivery
			db.Order("id").Find(&deliveries)
			return []any{got, deliveries}
		}
		tables := []string{"webhooks", "webhook_deliveries", "webhook_attempts"}
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "create", grows: map[string]int64{"webhooks": 1},
				audit: store.Audit{Action: "webhook.create", TargetType: "webhook", Detail: "events=" + models.EventArticlePublished + " active=true"},
				write: func() (_ int64, err error) {
					w, err = st.CreateWebhook(ctx, actor, store.NewWebhook{URL: "https://tich-hop.example.vn/hook",
						Events: []string{models.EventArticlePublished}, Secret: "a-secret-of-the-receiver", Active: true})
					return w.ID, err
				},
				state: webhook,
				check: func(t *testing.T, _ int64) {
					if w.ID == 0 || w.Version != 1 || !w.Active {
						t.Errorf("created %+v", w)
					}
				}},
		})
		// A delivery with an attempt: deactivating fails it, deleting removes both.
		d, err := st.PingWebhook(ctx, actor, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		status := 500
		if err := st.RecordWebhookAttempt(ctx, models.WebhookAttempt{DeliveryID: d.ID, Number: 1, AttemptedAt: clock.Now(), StatusCode: &status},
			models.DeliveryPending, clock.Now()); err != nil {
			t.Fatal(err)
		}
		url, inactive, events := "https://tich-hop.example.vn/moi", false, []string{models.EventArticlePublished, models.EventArticleUpdated}
		testAuditedWrites(t, db, actor, tables, []auditedWrite{
			{name: "update",
				audit: store.Audit{Action: "webhook.update", TargetType: "webhook",
					Detail: "url events=" + models.EventArticlePublished + "," + models.EventArticleUpdated + " active=false"},
				write: func() (_ int64, err error) {
					w, err = st.UpdateWebhook(ctx, actor, w.ID, 1, store.WebhookPatch{URL: &url, Events: &events, Active: &inactive})
					return w.ID, err
				},
				state: webhook,
				check: func(t *testing.T, _ int64) {
					var pending int64
					db.Model(&models.WebhookDelivery{}).Where("status = ?", models.DeliveryPending).Count(&pending)
					if w.URL != url || len(w.Events) != 2 || w.Active || w.Version != 2 || pending != 0 {
						t.Errorf("updated %+v, %d deliveries pending", w, pending)
					}
				}},
			{name: "delete", grows: map[string]int64{"webhooks": -1, "webhook_deliveries": -1, "webhook_attempts": -1},
				audit: store.Audit{Action: "webhook.delete", TargetType: "webhook"},
				write: func() (int64, error) { return w.ID, st.DeleteWebhook(ctx, actor, w.ID, 2) },
				state: webhook},
		})
		if _, err := st.UpdateWebhook(ctx, actor, w.ID, 2, store.WebhookPatch{Active: &inactive}); models.ErrorCode(err) != models.CodeNotFound {
			t.Errorf("update of a deleted webhook: %v, want not_found", err)
		}
	})
}
