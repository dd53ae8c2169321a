package store_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
	"github.com/toasoan/toasoan/internal/testdb"
)

// purgeLog records what a store's committed writes purge.
type purgeLog struct {
	mu   sync.Mutex
	seen [][]string
}

func (l *purgeLog) add(keys []string) { l.mu.Lock(); l.seen = append(l.seen, keys); l.mu.Unlock() }

// take returns the purges since the last take, each sorted.
func (l *purgeLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.seen
	l.seen = nil
	for _, k := range out {
		slices.Sort(k)
	}
	return out
}

func sorted(keys ...string) []string { slices.Sort(keys); return keys }

// A write purges exactly what it changes in public: an article's publication its own key, the
// lists, its category and tags (before and after a move); a draft's edit, a login and a
// submission purge nothing; the webhook event carries the same keys and the paths to purge.
func TestWritesPurgeWhatTheyChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		var log purgeLog
		st.OnPurge(log.add)
		editor := store.Actor{UserID: fixtureAuthor(t, ctx, st), Role: models.RoleEditor}
		news, err := st.CreateCategory(ctx, editor, store.CategoryInput{Name: "Tin mới"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := st.CreateCategory(ctx, editor, store.CategoryInput{Name: "Thời sự"})
		if err != nil {
			t.Fatal(err)
		}
		log.take()

		a, err := st.CreateArticle(ctx, editor, store.ArticleInput{Title: "Hội nghị", CategoryID: news.ID, Tags: []string{"Mặt trận"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateArticle(ctx, editor, a.ID, store.ArticlePatch{Summary: ptr("Bản nháp")}, a.Version, nil); err != nil {
			t.Fatal(err)
		}
		if got := log.take(); len(got) != 0 {
			t.Fatalf("a draft's writes purged %v, want nothing", got)
		}
		a, err = st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, store.Schedule{}, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		tag := a.Tags[0].ID
		want := sorted(surrogate.Article(a.ID), surrogate.Articles, surrogate.Category(news.ID), surrogate.Tag(tag), surrogate.Tags)
		if got := log.take(); len(got) != 1 || !slices.Equal(got[0], want) {
			t.Fatalf("publishing purged %v, want [%v]", got, want)
		}
		var events []models.WebhookEvent
		if err := db.Order("id").Find(&events).Error; err != nil || len(events) != 1 {
			t.Fatalf("events %+v (%v)", events, err)
		}
		var data models.WebhookEventData
		if err := json.Unmarshal([]byte(events[0].Data), &data); err != nil {
			t.Fatal(err)
		}
		if data.Purge == nil || !slices.Equal(sorted(data.Purge.Keys...), want) ||
			!slices.Contains(data.Purge.Paths, surrogate.ArticlePath(a.Slug)) || !slices.Contains(data.Purge.Paths, "/api/v1/articles") {
			t.Fatalf("event's purge block %+v, want keys %v and the article's path", data.Purge, want)
		}

		// Moving it purges the old category's key and the new one's; a new slug's event names
		// the old path too.
		slug := "hoi-nghi-moi"
		if _, err := st.UpdateArticle(ctx, editor, a.ID, store.ArticlePatch{CategoryID: &other.ID, Slug: &slug}, a.Version, nil); err != nil {
			t.Fatal(err)
		}
		want = sorted(surrogate.Article(a.ID), surrogate.Articles, surrogate.Category(news.ID), surrogate.Category(other.ID), surrogate.Tag(tag), surrogate.Tags)
		if got := log.take(); len(got) != 1 || !slices.Equal(got[0], want) {
			t.Fatalf("moving purged %v, want [%v]", got, want)
		}
		if err := db.Order("id").Find(&events).Error; err != nil || len(events) != 2 {
			t.Fatalf("events %+v (%v)", events, err)
		}
		if err := json.Unmarshal([]byte(events[1].Data), &data); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(data.Purge.Paths, surrogate.ArticlePath(a.Slug)) || !slices.Contains(data.Purge.Paths, surrogate.ArticlePath(slug)) {
			t.Fatalf("paths %v, want the old and the new slug's", data.Purge.Paths)
		}

		// Logins, sessions and submissions change nothing public.
		sid, err := st.CreateSession(ctx, editor, "hash-1", testdb.Epoch.Add(time.Hour), "test")
		if err != nil || sid == 0 {
			t.Fatal(err)
		}
		if _, err := st.CreateSubmission(ctx, store.Actor{IP: "198.51.100.4"}, store.NewSubmission{
			Name: "Bạn đọc", Email: "ban-doc@example.vn", Subject: "Góp ý", Content: "Nội dung góp ý của bạn đọc.",
		}, nil); err != nil {
			t.Fatal(err)
		}
		if got := log.take(); len(got) != 0 {
			t.Fatalf("a session and a submission purged %v, want nothing", got)
		}

		// A category's rename purges its key and the tree, not the lists; its move the lists too.
		name := "Tin tức"
		if _, err := st.UpdateCategory(ctx, editor, news.ID, news.Version, store.CategoryPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if got := log.take(); len(got) != 1 || !slices.Equal(got[0], sorted(surrogate.Categories, surrogate.Category(news.ID))) {
			t.Fatalf("renaming a category purged %v", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// On PostgreSQL a write's keys reach every other process on the database, at commit and only
// then: a rolled-back write sends nothing, and the writer does not hear its own purge twice.
// twoProcesses is two stores on one fresh, migrated PostgreSQL database, as two processes of
// toasoan would be, each listening to the other's purges until the test ends.
func twoProcesses(t *testing.T) (writer, reader *store.Store) {
	t.Helper()
	url := testdb.FreshURL(t, store.Postgres)
	open := func() *store.Store { return store.New(testdb.Open(t, store.Postgres, url), time.Now) }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	writer, reader = open(), open()
	if err := migrations.Run(ctx, writer.DB()); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*store.Store{writer, reader} {
		ready := make(chan struct{})
		go func() { _ = st.ListenPurges(ctx, url, slog.New(slog.DiscardHandler), ready) }()
		<-ready
	}
	return writer, reader
}

func TestPurgesReachOtherProcesses(t *testing.T) {
	ctx := context.Background()
	writer, reader := twoProcesses(t)
	var heard, own purgeLog
	reader.OnPurge(heard.add)
	writer.OnPurge(own.add)

	if _, err := writer.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin mới"}); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 5*time.Second, "the other process hears the category's purge", func() bool {
		return len(heard.take()) > 0
	})
	// A write that fails (a slug taken) rolls back, and sends nothing.
	if _, err := writer.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin mới 2", Slug: "tin-moi"}); err == nil {
		t.Fatal("a taken slug was accepted")
	}
	if _, err := writer.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Thời sự"}); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	testdb.WaitFor(t, 5*time.Second, "the other process hears the second purge", func() bool {
		got = append(got, heard.take()...)
		return len(got) > 0
	})
	if len(got) != 1 || !slices.Equal(got[0], []string{surrogate.Categories}) {
		t.Fatalf("the other process heard %v, want [[categories]] (the rolled-back write sent nothing)", got)
	}
	if mine := own.take(); len(mine) != 2 {
		t.Fatalf("the writer applied %v, want its two purges once each", mine)
	}
}
