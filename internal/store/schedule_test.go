package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// eventsByItem counts the outbox's events of each type per item id.
func eventsByItem(t *testing.T, db *gorm.DB) map[string]map[int64]int {
	t.Helper()
	var rows []models.WebhookEvent
	if err := db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int64]int{}
	for _, e := range rows {
		var data models.WebhookEventData
		if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
			t.Fatal(err)
		}
		if out[e.Type] == nil {
			out[e.Type] = map[int64]int{}
		}
		out[e.Type][data.ID]++
	}
	return out
}

// Two schedulers (two processes' stores, each with two goroutines) on one database: every
// scheduled change is applied once, with one event, when it comes due and never before, and
// whatever came due while no scheduler ran is applied by the next run (catch-up).
func TestSchedulerAppliesEachChangeOnce(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.FreshURL(t, dialect)
		dbA := testdb.Open(t, dialect, url)
		if err := migrations.Run(ctx, dbA); err != nil {
			t.Fatal(err)
		}
		dbB := dbA
		if dialect == store.Postgres { // another process: its own pool; SQLite has one process
			dbB = testdb.Open(t, dialect, url)
		}
		clock := testdb.NewClock(testdb.Epoch)
		a, b := store.New(dbA, clock.Now), store.New(dbB, clock.Now)
		editor := store.Actor{UserID: fixtureAuthor(t, ctx, a), Role: models.RoleEditor}
		cat, err := a.CreateCategory(ctx, editor, store.CategoryInput{Name: "Tin mới"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		var articles, takenDown []int64
		for i := range n {
			art, err := a.CreateArticle(ctx, editor, store.ArticleInput{Title: "Bài hẹn giờ " + string(rune('A'+i)), CategoryID: cat.ID, Body: "<p>Nội dung</p>"})
			if err != nil {
				t.Fatal(err)
			}
			when := store.Schedule{PublishAt: new(testdb.Epoch.Add(time.Duration(i+1) * time.Second))}
			if i%3 == 0 {
				when.UnpublishAt = new(testdb.Epoch.Add(time.Minute + time.Duration(i)*time.Second))
				takenDown = append(takenDown, art.ID)
			}
			if _, err := a.TransitionArticle(ctx, editor, art.ID, models.ActionPublish, when, 0, nil); err != nil {
				t.Fatal(err)
			}
			articles = append(articles, art.ID)
		}
		notice, err := a.CreateAnnouncement(ctx, editor, store.AnnouncementInput{Title: "Thông báo lịch tiếp công dân",
			Body: "<p>Lịch</p>", Status: models.PublicationPublished,
			StartsAt: new(testdb.Epoch.Add(5 * time.Second)), EndsAt: new(testdb.Epoch.Add(2 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}

		// runAll runs both schedulers, twice each at once, and fails on any error.
		runAll := func() {
			t.Helper()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, st := range []*store.Store{a, b, a, b} {
				wg.Go(func() {
					if _, err := st.ApplySchedule(ctx); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		}
		overdue := func(want int64) {
			t.Helper()
			if got, _, err := a.OverdueSchedule(ctx, clock.Now()); err != nil || got != want {
				t.Errorf("overdue at %v: %d (%v), want %d", clock.Now().Sub(testdb.Epoch), got, err, want)
			}
		}

		// Before any time has come: nothing at all was sent.
		runAll()
		if got := eventsByItem(t, dbA); len(got) != 0 {
			t.Fatalf("events before any publish_at: %v", got)
		}
		overdue(0)

		// Downtime: every article and the announcement's opening came due meanwhile.
		clock.Set(testdb.Epoch.Add(30 * time.Second))
		overdue(n + 1)
		runAll()
		overdue(0)
		got := eventsByItem(t, dbA)
		for _, id := range articles {
			if got[models.EventArticlePublished][id] != 1 {
				t.Errorf("article %d: %d article.published, want 1", id, got[models.EventArticlePublished][id])
			}
		}
		if got[models.EventAnnouncementPublished][notice.ID] != 1 || len(got) != 2 {
			t.Errorf("after the go-live: %v, want one article.published per article and one announcement.published", got)
		}
		runAll()
		if again := eventsByItem(t, dbA); len(again[models.EventArticlePublished]) != n || again[models.EventArticlePublished][articles[0]] != 1 {
			t.Errorf("a second run sent more: %v", again)
		}

		// The take-downs and the announcement's end.
		clock.Set(testdb.Epoch.Add(3 * time.Minute))
		overdue(int64(len(takenDown)) + 1)
		runAll()
		overdue(0)
		got = eventsByItem(t, dbA)
		for _, id := range takenDown {
			if got[models.EventArticleUnpublished][id] != 1 {
				t.Errorf("article %d taken down: %d article.unpublished, want 1", id, got[models.EventArticleUnpublished][id])
			}
			art, err := a.ArticleByID(ctx, id, nil)
			if err != nil || art.Status != models.StatusDraft || art.UnpublishAt != nil || art.PublishedAt != nil {
				t.Errorf("article %d after its take-down: %s %v %v (%v)", id, art.Status, art.UnpublishAt, art.PublishedAt, err)
			}
		}
		if len(got[models.EventArticleUnpublished]) != len(takenDown) || got[models.EventAnnouncementUnpublished][notice.ID] != 1 {
			t.Errorf("after the take-downs: %v", got)
		}
		list, err := a.PublicArticles(ctx, store.PublicQuery{Now: clock.Now()}, models.Page{Page: 1, PerPage: 50})
		if err != nil || len(list.Articles) != n-len(takenDown) {
			t.Errorf("public after the take-downs: %d (%v), want %d", len(list.Articles), err, n-len(takenDown))
		}
	})
}
