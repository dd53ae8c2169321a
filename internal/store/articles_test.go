package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// articleTables are the tables an article's writes touch besides articles.
var articleTables = []string{"articles", "article_revisions", "search_index", "webhook_events", "audit_log",
	"article_tags", "tags", "media_links"}

// testImage is a media item an article can take as its cover.
func testImage(t *testing.T, db *gorm.DB, key string) models.Media {
	t.Helper()
	m := models.Media{Key: key, Name: "anh.jpg", Mime: "image/jpeg", Size: 1200, Width: 40, Height: 30, Checksum: "c"}
	if err := db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

// articleState is everything an article's write may change.
type articleState struct {
	counts  map[string]int64
	article []models.Article // none when absent
	search  []map[string]any
	own     map[string]int64 // the article's revisions, tags and media links
}

func articleStateOf(t *testing.T, db *gorm.DB, id int64) articleState {
	t.Helper()
	s := articleState{counts: counts(t, db, articleTables...), own: map[string]int64{}}
	for table, where := range map[string]string{"article_revisions": "article_id = ?", "article_tags": "article_id = ?",
		"media_links": "owner_type = 'article' AND owner_id = ?"} {
		var n int64
		if err := db.Table(table).Where(where, id).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		s.own[table] = n
	}
	if err := db.Where("id = ?", id).Find(&s.article).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Table("search_index").Where("kind = ? AND item_id = ?", store.KindArticle, id).Find(&s.search).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// checkAudited checks that the newest audit entry is the actor's action on the target.
func checkAudited(t *testing.T, db *gorm.DB, actor store.Actor, action, targetType string, targetID int64) models.AuditEntry {
	t.Helper()
	var e models.AuditEntry
	if err := db.Order("id DESC").Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	if e.Action != action || e.TargetType != targetType || e.TargetID != itoa(targetID) ||
		e.ActorID == nil || *e.ActorID != actor.UserID || e.ActorRole != actor.Role || e.IP != actor.IP || e.RequestID != actor.RequestID {
		t.Errorf("audit entry %+v, want %s of %s %d by %+v", e, action, targetType, targetID, actor)
	}
	return e
}

// Every write of an article is one transaction with its audit entry: when the audit entry
// cannot be written, the row, its revision, search entry, tags, cover link and webhook event
// are all as before; once it can, the same write leaves all of them, and the entry.
func TestArticleWritesRollBackWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := testdb.NewClock(testdb.Epoch)
		st := store.New(db, clock.Now)
		editor := newActor(t, db, models.RoleEditor)
		category := models.Category{Slug: "tin-moi", Name: "Tin mới"}
		if err := db.Create(&category).Error; err != nil {
			t.Fatal(err)
		}
		cover, otherImage := testImage(t, db, "2026/08/a.jpg"), testImage(t, db, "2026/08/b.jpg")
		// The store cleans text: trimmed, NFC (the summary is sent decomposed), no NUL.
		input := store.ArticleInput{Title: "  Ký kết Quy chế phối hợp  ", Summary: "To\u0301m ta\u0306\u0301t", Body: "<p>Nội dung</p>",
			CategoryID: category.ID, Tags: []string{"Mặt trận"}, CoverMediaID: &cover.ID, Byline: "Minh\x00Anh "}

		// article makes an article in status (through the workflow) and edits it once, so it has
		// two revisions to restore from.
		article := func(t *testing.T, status string) models.Article {
			t.Helper()
			a, err := st.CreateArticle(ctx, editor, input)
			if err == nil {
				title := a.Title + " (sửa)"
				a, err = st.UpdateArticle(ctx, editor, a.ID, store.ArticlePatch{Title: &title}, a.Version, nil)
			}
			var steps []string
			switch status {
			case models.StatusPending:
				steps = []string{models.ActionSubmit}
			case models.StatusPublished:
				steps = []string{models.ActionPublish}
			case models.StatusArchived:
				steps = []string{models.ActionPublish, models.ActionArchive}
			}
			for _, action := range steps {
				if err == nil {
					a, err = st.TransitionArticle(ctx, editor, a.ID, action, nil, a.Version, nil)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			return a
		}

		cases := []struct {
			name     string
			from     string // the status of the article written; "" creates one
			write    func(a models.Article) (int64, error)
			action   string // of the revision and (article.<action>) the audit entry
			event    string // the webhook event the write emits, if any
			deletes  bool
			wantSelf func(t *testing.T, a models.Article)
		}{
			{name: "create", action: "create", write: func(models.Article) (int64, error) {
				a, err := st.CreateArticle(ctx, editor, input)
				return a.ID, err
			}, wantSelf: func(t *testing.T, a models.Article) {
				if a.Title != "Ký kết Quy chế phối hợp" || a.Summary != "Tóm tắt" || a.Byline != "Minh\uFFFDAnh" ||
					a.Status != models.StatusDraft || a.AuthorID != editor.UserID {
					t.Errorf("created %q (%q, %q), %s, by %d", a.Title, a.Summary, a.Byline, a.Status, a.AuthorID)
				}
			}},
			{name: "update", from: models.StatusPublished, action: "update", event: models.EventArticleUpdated,
				write: func(a models.Article) (int64, error) {
					title, tags := "Tiêu đề mới", []string{"Đại hội", "Mặt trận"}
					_, err := st.UpdateArticle(ctx, editor, a.ID, store.ArticlePatch{Title: &title, Tags: &tags,
						Cover: models.Value(otherImage.ID)}, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Title != "Tiêu đề mới" || a.CoverMediaID == nil || *a.CoverMediaID != otherImage.ID {
						t.Errorf("updated to %q with cover %v", a.Title, a.CoverMediaID)
					}
				}},
			{name: "submit", from: models.StatusDraft, action: models.ActionSubmit, write: func(a models.Article) (int64, error) {
				_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionSubmit, nil, a.Version, nil)
				return a.ID, err
			}},
			{name: "publish", from: models.StatusPending, action: models.ActionPublish, event: models.EventArticlePublished,
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, nil, 0, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusPublished || a.PublishedAt == nil || !a.PublishedAt.Equal(clock.Now()) {
						t.Errorf("published: %s at %v, want at %v", a.Status, a.PublishedAt, clock.Now())
					}
				}},
			{name: "schedule", from: models.StatusDraft, action: models.ActionPublish, event: models.EventArticlePublished,
				write: func(a models.Article) (int64, error) {
					at := clock.Now().Add(time.Hour)
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, &at, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusScheduled {
						t.Errorf("scheduled: %s", a.Status)
					}
				}},
			{name: "unpublish", from: models.StatusPublished, action: models.ActionUnpublish, event: models.EventArticleUnpublished,
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionUnpublish, nil, a.Version, nil)
					return a.ID, err
				}},
			{name: "archive", from: models.StatusPublished, action: models.ActionArchive, event: models.EventArticleUnpublished,
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionArchive, nil, a.Version, nil)
					return a.ID, err
				}},
			{name: "restore", from: models.StatusPublished, action: "restore", event: models.EventArticleUpdated,
				write: func(a models.Article) (int64, error) {
					_, err := st.RestoreRevision(ctx, editor, a.ID, 1, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Title != "Ký kết Quy chế phối hợp" {
						t.Errorf("restored title %q", a.Title)
					}
				}},
			{name: "delete", from: models.StatusPublished, action: "delete", event: models.EventArticleUnpublished, deletes: true,
				write: func(a models.Article) (int64, error) {
					return a.ID, st.DeleteArticle(ctx, editor, a.ID, a.Version, nil)
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var a models.Article
				if tc.from != "" {
					a = article(t, tc.from)
				}
				before := articleStateOf(t, db, a.ID)

				stop := failAuditWrites(t, db)
				if _, err := tc.write(a); !errors.Is(err, errInjected) {
					t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
				}
				if after := articleStateOf(t, db, a.ID); !reflect.DeepEqual(after, before) {
					t.Fatalf("a failed write left changes:\nbefore %+v\nafter  %+v", before, after)
				}

				stop()
				id, err := tc.write(a)
				if err != nil {
					t.Fatal(err)
				}
				after := articleStateOf(t, db, id)
				events := after.counts["webhook_events"] - before.counts["webhook_events"]
				var wantEvents int64
				if tc.event != "" {
					wantEvents = 1
				}
				if events != wantEvents {
					t.Errorf("%d webhook events, want %d", events, wantEvents)
				} else if tc.event != "" {
					var e models.WebhookEvent
					if db.Order("id DESC").Take(&e); e.Type != tc.event {
						t.Errorf("event %s, want %s", e.Type, tc.event)
					}
				}
				checkAudited(t, db, editor, "article."+tc.action, "article", id)
				if tc.deletes {
					if len(after.article) != 0 || len(after.search) != 0 || after.own["article_revisions"] != 0 ||
						after.own["article_tags"] != 0 || after.own["media_links"] != 0 || before.own["media_links"] != 1 {
						t.Errorf("deleted, yet left %+v", after)
					}
					return
				}
				if len(after.article) != 1 || len(after.search) != 1 {
					t.Fatalf("row %v, search entry %v", after.article, after.search)
				}
				saved := after.article[0]
				if saved.Version != a.Version+1 {
					t.Errorf("version %d, want %d", saved.Version, a.Version+1)
				}
				var rev models.ArticleRevision
				if err := db.Where("article_id = ? AND number = ?", id, saved.Version).Take(&rev).Error; err != nil {
					t.Fatalf("revision %d: %v", saved.Version, err)
				}
				if rev.Action != tc.action || rev.ActorID == nil || *rev.ActorID != editor.UserID {
					t.Errorf("revision by %v, action %s; want %s by %d", rev.ActorID, rev.Action, tc.action, editor.UserID)
				}
				if after.search[0]["title"] != saved.Title {
					t.Errorf("search entry titled %v, article %q", after.search[0]["title"], saved.Title)
				}
				if tc.wantSelf != nil {
					tc.wantSelf(t, saved)
				}
			})
		}
	})
}
