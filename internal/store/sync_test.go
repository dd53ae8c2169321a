package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func articleVersion(t *testing.T, db *gorm.DB, id int64) int {
	t.Helper()
	var v int
	if err := db.Model(&models.Article{}).Where("id = ?", id).Pluck("version", &v).Error; err != nil {
		t.Error(err)
	}
	return v
}

// syncClient is an app's copy of public content, by "kind:id", holding each item's slug; it
// follows the feed from a position and checks that numbers only grow.
type syncClient struct {
	items map[string]string
	pos   store.SyncPosition
	seen  []store.SyncItem // every row applied, in order
	last  int64
}

func newSyncClient(t *testing.T, st *store.Store) *syncClient {
	t.Helper()
	pos, err := st.SyncStart(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &syncClient{items: map[string]string{}, pos: pos}
}

// catchUp reads pages of limit until no more, and returns what it applied.
func (c *syncClient) catchUp(t *testing.T, st *store.Store, limit int) []store.SyncItem {
	t.Helper()
	var applied []store.SyncItem
	for {
		page, err := st.SyncChanges(context.Background(), c.pos, limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if it.Seq <= c.last {
				t.Fatalf("number %d after %d: the feed went back", it.Seq, c.last)
			}
			c.last = it.Seq
			key := it.Kind + ":" + fmt.Sprint(it.ItemID)
			if it.Public {
				c.items[key] = it.Slug
			} else {
				delete(c.items, key)
			}
		}
		applied = append(applied, page.Items...)
		c.seen = append(c.seen, page.Items...)
		c.pos = page.Next
		if !page.More {
			return applied
		}
	}
}

func keysOf(items []store.SyncItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		op := "+"
		if !it.Public {
			op = "-"
		}
		out[i] = op + it.Kind + ":" + fmt.Sprint(it.ItemID)
	}
	return out
}

// publicNow is what the public sees at now, read by the public queries, as a client holds it.
func publicNow(t *testing.T, st *store.Store, now time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	list, err := st.PublicArticles(ctx, store.PublicQuery{Now: now}, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list.Articles {
		out["article:"+fmt.Sprint(a.ID)] = a.Slug
	}
	tags, _, err := st.PublicTags(ctx, now, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		out["tag:"+fmt.Sprint(tg.ID)] = tg.Slug
	}
	cats, err := st.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		out["category:"+fmt.Sprint(c.ID)] = c.Slug
	}
	anns, _, err := st.ActiveAnnouncements(ctx, now, nil, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range anns {
		out["announcement:"+fmt.Sprint(a.ID)] = a.Slug
	}
	docs, _, err := st.ListDocuments(ctx, store.DocumentFilter{Status: models.PublicationPublished}, models.Page{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		out["document:"+fmt.Sprint(d.ID)] = ""
	}
	return out
}

// A client that follows the feed sees each item enter public view when it does (a scheduled one
// at its time, never before) and leave it by every way out, and ends with what the public sees;
// a sync from nothing gets the same without the tombstones of what left before it began.
func TestSyncFollowsPublicState(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := testdb.NewClock(testdb.Epoch)
		st := store.New(db, clock.Now)
		editor := store.Actor{UserID: fixtureAuthor(t, ctx, st), Role: models.RoleEditor}
		client := newSyncClient(t, st)
		step := func(name string, want ...string) {
			t.Helper()
			if got := keysOf(client.catchUp(t, st, 2)); !slices.Equal(got, want) {
				t.Fatalf("%s: got %v, want %v", name, got, want)
			}
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		id := func(kind string, n int64) string { return kind + ":" + fmt.Sprint(n) }
		plus := func(kind string, n int64) string { return "+" + id(kind, n) }
		minus := func(kind string, n int64) string { return "-" + id(kind, n) }

		cat, err := st.CreateCategory(ctx, editor, store.CategoryInput{Name: "Tin mới"})
		must(err)
		step("a category is public at once", plus("category", cat.ID))

		draft, err := st.CreateArticle(ctx, editor, store.ArticleInput{Title: "Bản nháp bầu cử", CategoryID: cat.ID, Body: "<p>Nháp</p>", Tags: []string{"Bầu cử"}})
		must(err)
		step("a draft and its tag are nowhere")

		_, err = st.TransitionArticle(ctx, editor, draft.ID, models.ActionPublish, store.Schedule{}, 0, nil)
		must(err)
		var tag models.Tag
		must(db.Where("slug = ?", "bau-cu").Take(&tag).Error)
		step("published: the article, its tag and its category's count", plus("article", draft.ID), plus("category", cat.ID), plus("tag", tag.ID))

		later, err := st.CreateArticle(ctx, editor, store.ArticleInput{Title: "Tin hẹn giờ", CategoryID: cat.ID, Body: "<p>Sắp đăng</p>", Tags: []string{"Hẹn giờ"}})
		must(err)
		_, err = st.TransitionArticle(ctx, editor, later.ID, models.ActionPublish, store.Schedule{PublishAt: new(clock.Now().Add(time.Hour))}, 0, nil)
		must(err)
		step("scheduled: nothing about it before its time")
		clock.Advance(30 * time.Minute)
		_, err = st.ApplySchedule(ctx)
		must(err)
		step("still nothing half way")
		clock.Advance(30 * time.Minute)
		_, err = st.ApplySchedule(ctx)
		must(err)
		var laterTag models.Tag
		must(db.Where("slug = ?", "hen-gio").Take(&laterTag).Error)
		step("due: it enters with its tag", plus("article", later.ID), plus("category", cat.ID), plus("tag", laterTag.ID))

		edited, err := st.UpdateArticle(ctx, editor, draft.ID, store.ArticlePatch{Title: new("Bầu cử đại biểu Quốc hội")}, 0, nil)
		must(err)
		step("an edit", plus("article", draft.ID), plus("category", cat.ID), plus("tag", tag.ID))

		_, err = st.TransitionArticle(ctx, editor, draft.ID, models.ActionUnpublish, store.Schedule{}, edited.Version, nil)
		must(err)
		step("unpublished: a tombstone, and one for the tag no public article carries", minus("article", draft.ID), plus("category", cat.ID), minus("tag", tag.ID))

		_, err = st.DeleteArticle(ctx, editor, later.ID, articleVersion(t, db, later.ID), nil)
		must(err)
		step("to the trash", minus("article", later.ID), plus("category", cat.ID), minus("tag", laterTag.ID))

		down, err := st.CreateArticle(ctx, editor, store.ArticleInput{Title: "Tin có hạn", CategoryID: cat.ID, Body: "<p>Gỡ sau</p>"})
		must(err)
		_, err = st.TransitionArticle(ctx, editor, down.ID, models.ActionPublish, store.Schedule{UnpublishAt: new(clock.Now().Add(10 * time.Minute))}, 0, nil)
		must(err)
		step("published with a take-down", plus("article", down.ID), plus("category", cat.ID))
		clock.Advance(10 * time.Minute)
		_, err = st.ApplySchedule(ctx)
		must(err)
		step("taken down on schedule", minus("article", down.ID), plus("category", cat.ID))

		notice, err := st.CreateAnnouncement(ctx, editor, store.AnnouncementInput{Title: "Thông báo tiếp công dân", Body: "<p>Lịch</p>",
			Status: models.PublicationPublished, StartsAt: new(clock.Now().Add(5 * time.Minute)), EndsAt: new(clock.Now().Add(20 * time.Minute))})
		must(err)
		step("an announcement before its window")
		clock.Advance(5 * time.Minute)
		_, err = st.ApplySchedule(ctx)
		must(err)
		step("its window opens", plus("announcement", notice.ID))
		clock.Advance(15 * time.Minute)
		_, err = st.ApplySchedule(ctx)
		must(err)
		step("its window closes", minus("announcement", notice.ID))

		number, err := docnumber.Parse("05/2024/QĐ-MTTW")
		must(err)
		doc, err := st.CreateDocument(ctx, editor, store.DocumentInput{Number: number, Title: "Quyết định ban hành Quy chế làm việc",
			Type: "Quyết định", Issuer: "Ủy ban Trung ương MTTQ Việt Nam", IssuedOn: models.NewDate(2024, 5, 10), Status: models.PublicationPublished})
		must(err)
		step("a published document", plus("document", doc.ID))
		var qd models.DocumentType
		must(db.Where("name = ?", "Quyết định").Take(&qd).Error)
		_, err = st.UpdateDocumentType(ctx, editor, qd.ID, qd.Version, store.DocumentTypePatch{Name: new("Quyết định của Ban Thường trực")})
		must(err)
		step("its type renamed: it shows the new name", plus("document", doc.ID))

		if want := publicNow(t, st, clock.Now()); !maps.Equal(client.items, want) {
			t.Fatalf("the client holds %v, the public sees %v", client.items, want)
		}
		// From nothing: what is public, none of the tombstones of before.
		fresh := newSyncClient(t, st)
		for _, it := range fresh.catchUp(t, st, 3) {
			if !it.Public {
				t.Fatalf("a sync from nothing got the tombstone %v", it)
			}
		}
		if !maps.Equal(fresh.items, client.items) {
			t.Fatalf("a sync from nothing holds %v, the follower %v", fresh.items, client.items)
		}
		// The first article's tombstone, past the retention, is dropped: a position before it is
		// expired, as is one of another database; the follower's is not.
		expired := store.SyncPosition{Epoch: client.pos.Epoch, Seq: client.seen[0].Seq}
		clock.Advance(91 * 24 * time.Hour)
		n, err := st.PruneSync(ctx, clock.Now(), 90*24*time.Hour)
		must(err)
		if n == 0 {
			t.Fatal("no tombstone dropped")
		}
		if _, err := st.SyncChanges(ctx, expired, 10); !errors.Is(err, store.ErrSyncExpired) {
			t.Fatalf("a position before the horizon: %v, want ErrSyncExpired", err)
		}
		if _, err := st.SyncChanges(ctx, store.SyncPosition{Epoch: "another", Seq: client.pos.Seq}, 10); !errors.Is(err, store.ErrSyncExpired) {
			t.Fatalf("another database's position: %v, want ErrSyncExpired", err)
		}
		if got := client.catchUp(t, st, 10); len(got) != 0 {
			t.Fatalf("the follower, up to date: %v", got)
		}
		if _, err := st.SyncChanges(ctx, store.SyncPosition{Epoch: client.pos.Epoch}, 10); !errors.Is(err, store.ErrSyncExpired) {
			t.Fatalf("the start of a database with dropped tombstones: %v, want ErrSyncExpired", err)
		}
		again := newSyncClient(t, st) // a new sync from nothing still works
		again.catchUp(t, st, 10)
		if !maps.Equal(again.items, client.items) {
			t.Fatalf("a sync from nothing after the pruning holds %v, the follower %v", again.items, client.items)
		}
	})
}

// Writers on two processes publish, edit, unpublish and trash articles while a client follows
// the feed from a third: numbers only grow, and once the writers stop the client holds exactly
// what the public sees. A number given out of commit order would let the client pass a change
// that commits later, and keep an item the public no longer sees, or miss one it does.
func TestSyncUnderConcurrentWrites(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		url := testdb.FreshURL(t, dialect)
		dbA := testdb.Open(t, dialect, url)
		if err := migrations.Run(ctx, dbA); err != nil {
			t.Fatal(err)
		}
		dbB, dbC := dbA, dbA
		if dialect == store.Postgres {
			dbB, dbC = testdb.Open(t, dialect, url), testdb.Open(t, dialect, url)
		}
		clock := testdb.NewClock(testdb.Epoch)
		a, b, reader := store.New(dbA, clock.Now), store.New(dbB, clock.Now), store.New(dbC, clock.Now)
		editor := store.Actor{UserID: fixtureAuthor(t, ctx, a), Role: models.RoleEditor}
		cat, err := a.CreateCategory(ctx, editor, store.CategoryInput{Name: "Thời sự"})
		if err != nil {
			t.Fatal(err)
		}
		const articles, writers, ops = 16, 4, 30
		ids := make([]int64, articles)
		for i := range ids {
			art, err := a.CreateArticle(ctx, editor, store.ArticleInput{Title: fmt.Sprintf("Tin số %d", i), CategoryID: cat.ID,
				Body: "<p>Nội dung</p>", Tags: []string{fmt.Sprintf("Chủ đề %d", i%3)}})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = art.ID
		}
		client := newSyncClient(t, reader)
		done := make(chan struct{})
		var readerErr error
		duringWrites := 0
		var readerWG sync.WaitGroup
		readerWG.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				page, err := reader.SyncChanges(ctx, client.pos, 3)
				if err != nil {
					readerErr = err
					return
				}
				duringWrites += len(page.Items)
				for _, it := range page.Items {
					if it.Seq <= client.last {
						readerErr = fmt.Errorf("number %d after %d", it.Seq, client.last)
						return
					}
					client.last = it.Seq
					key := it.Kind + ":" + fmt.Sprint(it.ItemID)
					if it.Public {
						client.items[key] = it.Slug
					} else {
						delete(client.items, key)
					}
				}
				client.pos = page.Next
			}
		})
		var wg sync.WaitGroup
		for w := range writers {
			st := []*store.Store{a, b}[w%2]
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range ops {
					id := ids[rng.IntN(len(ids))]
					var err error
					switch rng.IntN(4) {
					case 0:
						_, err = st.TransitionArticle(ctx, editor, id, models.ActionPublish, store.Schedule{}, 0, nil)
					case 1:
						_, err = st.TransitionArticle(ctx, editor, id, models.ActionUnpublish, store.Schedule{}, 0, nil)
					case 2:
						_, err = st.UpdateArticle(ctx, editor, id, store.ArticlePatch{Title: new(fmt.Sprintf("Tin số %d, cập nhật %d", id, rng.IntN(1000)))}, 0, nil)
					case 3:
						if _, err = st.DeleteArticle(ctx, editor, id, articleVersion(t, dbA, id), nil); err == nil {
							_, err = st.RestoreArticle(ctx, editor, id, articleVersion(t, dbA, id), nil)
						}
					}
					// A transition the article's state does not allow (unpublishing a draft) is
					// refused: part of the mix, not a failure.
					if err != nil && models.ErrorCode(err) == "" {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(done)
		readerWG.Wait()
		if readerErr != nil {
			t.Fatal(readerErr)
		}
		client.catchUp(t, reader, 50)
		want := publicNow(t, reader, clock.Now())
		if !maps.Equal(client.items, want) {
			t.Fatalf("the client holds %v\nthe public sees %v", client.items, want)
		}
		if duringWrites == 0 {
			t.Fatal("the client read nothing while the writers wrote: the test proves nothing")
		}
	})
}
