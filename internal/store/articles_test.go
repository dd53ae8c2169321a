package store_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// articleTables are the tables an article's writes touch.
var articleTables = []string{"articles", "article_revisions", "search_index", "article_tags", "tags", "media_links"}

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
					a, err = st.TransitionArticle(ctx, editor, a.ID, action, store.Schedule{}, a.Version, nil)
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
			detail   string // of the audit entry
			event    string // the webhook event the write emits, if any
			grows    map[string]int64
			deletes  bool
			trashed  bool // written in the trash (the write is its purge)
			wantSelf func(t *testing.T, a models.Article)
		}{
			{name: "create", action: "create", detail: "ky-ket-quy-che-phoi-hop",
				grows: map[string]int64{"articles": 1, "article_revisions": 1, "search_index": 1, "article_tags": 1, "tags": 1, "media_links": 1},
				write: func(models.Article) (int64, error) {
					a, err := st.CreateArticle(ctx, editor, input)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Title != "Ký kết Quy chế phối hợp" || a.Summary != "Tóm tắt" || a.Byline != "Minh\uFFFDAnh" ||
						a.Status != models.StatusDraft || a.AuthorID != editor.UserID {
						t.Errorf("created %q (%q, %q), %s, by %d", a.Title, a.Summary, a.Byline, a.Status, a.AuthorID)
					}
				}},
			// A published article is at version 3: created, edited, published.
			{name: "update", from: models.StatusPublished, action: "update", detail: "version=4", event: models.EventArticleUpdated,
				grows: map[string]int64{"article_revisions": 1, "article_tags": 1, "tags": 1},
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
			{name: "submit", from: models.StatusDraft, action: models.ActionSubmit, detail: "status=" + models.StatusPending,
				grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionSubmit, store.Schedule{}, a.Version, nil)
					return a.ID, err
				}},
			{name: "publish", from: models.StatusPending, action: models.ActionPublish, detail: "status=" + models.StatusPublished,
				event: models.EventArticlePublished, grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, store.Schedule{}, 0, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusPublished || a.PublishedAt == nil || !a.PublishedAt.Equal(clock.Now()) {
						t.Errorf("published: %s at %v, want at %v", a.Status, a.PublishedAt, clock.Now())
					}
				}},
			// No event: nothing about a scheduled article leaves toasoan before its publish_at.
			{name: "schedule", from: models.StatusDraft, action: models.ActionPublish, detail: "status=" + models.StatusScheduled,
				grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					at := clock.Now().Add(time.Hour)
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, store.Schedule{PublishAt: &at}, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusScheduled {
						t.Errorf("scheduled: %s", a.Status)
					}
				}},
			{name: "unpublish", from: models.StatusPublished, action: models.ActionUnpublish, detail: "status=" + models.StatusDraft,
				event: models.EventArticleUnpublished, grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionUnpublish, store.Schedule{}, a.Version, nil)
					return a.ID, err
				}},
			{name: "archive", from: models.StatusPublished, action: models.ActionArchive, detail: "status=" + models.StatusArchived,
				event: models.EventArticleUnpublished, grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.TransitionArticle(ctx, editor, a.ID, models.ActionArchive, store.Schedule{}, a.Version, nil)
					return a.ID, err
				}},
			{name: "restore", from: models.StatusPublished, action: "restore", detail: "revision=1", event: models.EventArticleUpdated,
				grows: map[string]int64{"article_revisions": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.RestoreRevision(ctx, editor, a.ID, 1, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Title != "Ký kết Quy chế phối hợp" {
						t.Errorf("restored title %q", a.Title)
					}
				}},
			// Deleting moves it to the trash, a draft: its row, revisions, tag and cover's link stay,
			// its search entry goes.
			{name: "trash", from: models.StatusPublished, action: models.RevisionTrash, detail: "status=" + models.StatusPublished,
				event: models.EventArticleUnpublished, grows: map[string]int64{"article_revisions": 1, "search_index": -1},
				write: func(a models.Article) (int64, error) {
					_, err := st.DeleteArticle(ctx, editor, a.ID, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusDraft || a.PublishedAt != nil || a.TrashedAt == nil || !a.TrashedAt.Equal(clock.Now()) ||
						a.TrashedByID == nil || *a.TrashedByID != editor.UserID {
						t.Errorf("trashed: %s, published %v, trashed %v by %v", a.Status, a.PublishedAt, a.TrashedAt, a.TrashedByID)
					}
				}},
			{name: "untrash", from: models.StatusPublished, trashed: true, action: models.RevisionUntrash, detail: "version=5",
				grows: map[string]int64{"article_revisions": 1, "search_index": 1},
				write: func(a models.Article) (int64, error) {
					_, err := st.RestoreArticle(ctx, editor, a.ID, a.Version, nil)
					return a.ID, err
				}, wantSelf: func(t *testing.T, a models.Article) {
					if a.Status != models.StatusDraft || a.TrashedAt != nil || a.TrashedByID != nil {
						t.Errorf("restored: %s, trashed %v by %v", a.Status, a.TrashedAt, a.TrashedByID)
					}
				}},
			// Deleted for good from the trash, it goes with its four revisions, its tag and its
			// cover's link.
			{name: "purge", from: models.StatusPublished, trashed: true, action: "purge", deletes: true,
				grows: map[string]int64{"articles": -1, "article_revisions": -4, "article_tags": -1, "media_links": -1},
				write: func(a models.Article) (int64, error) {
					return a.ID, st.DeleteArticleForGood(ctx, editor, a.ID, a.Version, nil)
				}},
		}
		for _, tc := range cases {
			var a models.Article
			if tc.from != "" {
				a = article(t, tc.from)
			}
			if tc.trashed {
				var err error
				if a, err = st.DeleteArticle(ctx, editor, a.ID, a.Version, nil); err != nil {
					t.Fatal(err)
				}
			}
			testAuditedWrites(t, db, editor, articleTables, []auditedWrite{{
				name: tc.name, event: tc.event, grows: tc.grows,
				audit: store.Audit{Action: "article." + tc.action, TargetType: "article", Detail: tc.detail},
				write: func() (int64, error) { return tc.write(a) },
				state: func(t *testing.T) any { return articleStateOf(t, db, a.ID) },
				check: func(t *testing.T, id int64) {
					after := articleStateOf(t, db, id)
					if tc.deletes {
						if len(after.article) != 0 || len(after.search) != 0 || after.own["article_revisions"] != 0 ||
							after.own["article_tags"] != 0 || after.own["media_links"] != 0 {
							t.Errorf("deleted, yet left %+v", after)
						}
						return
					}
					wantSearch := 1 // a trashed article has no search entry
					if tc.action == models.RevisionTrash {
						wantSearch = 0
					}
					if len(after.article) != 1 || len(after.search) != wantSearch {
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
					if len(after.search) == 1 && after.search[0]["title"] != saved.Title {
						t.Errorf("search entry titled %v, article %q", after.search[0]["title"], saved.Title)
					}
					if tc.wantSelf != nil {
						tc.wantSelf(t, saved)
					}
				},
			}})
		}
	})
}
