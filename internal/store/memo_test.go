package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// What the memo keeps (the categories, tags and authors public reads show, the totals of public
// lists) follows the writes of another process on the same database, through its purges: no
// reader shows a stale name or total for longer than the notification takes.
func TestMemoFollowsOtherProcesses(t *testing.T) {
	ctx := context.Background()
	writer, reader := twoProcesses(t)

	editor := store.Actor{UserID: fixtureAuthor(t, ctx, writer), Role: models.RoleEditor}
	news, err := writer.CreateCategory(ctx, editor, store.CategoryInput{Name: "Tin mới"})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(title string) models.Article {
		t.Helper()
		a, err := writer.CreateArticle(ctx, editor, store.ArticleInput{Title: title, CategoryID: news.ID, Tags: []string{"Mặt trận"}})
		if err == nil {
			a, err = writer.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, store.Schedule{}, 0, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := publish("Hội nghị")
	// The reader's view: the total of the category's list and the category and author names of
	// its first article and its tag, read twice so that the second comes from the memo.
	view := func() (total int64, category, author, tag string) {
		t.Helper()
		var list store.PublicList
		for range 2 {
			if list, err = reader.PublicArticles(ctx, store.PublicQuery{Now: time.Now(), CategorySlug: "tin-moi"}, models.Page{Page: 1, PerPage: 5}); err != nil {
				t.Fatal(err)
			}
		}
		if len(list.Articles) == 0 || len(list.Articles[0].Tags) == 0 {
			return *list.Total, "", "", ""
		}
		a := list.Articles[0]
		return *list.Total, a.Category.Name, a.Author.Name, a.Tags[0].Name
	}
	testdb.WaitFor(t, 5*time.Second, "the reader sees the first article", func() bool { n, _, _, _ := view(); return n == 1 })

	publish("Đại hội")
	testdb.WaitFor(t, 5*time.Second, "the reader's total follows a publication", func() bool { n, _, _, _ := view(); return n == 2 })

	if _, err := writer.UpdateCategory(ctx, editor, news.ID, news.Version, store.CategoryPatch{Name: ptr("Tin mới nhất")}); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 5*time.Second, "the reader shows the category's new name", func() bool { _, c, _, _ := view(); return c == "Tin mới nhất" })

	u, err := writer.UserByID(ctx, editor.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.UpdateUser(ctx, store.System, u.ID, u.Version, store.UserPatch{Name: ptr("Phóng viên Minh")}); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 5*time.Second, "the reader shows the author's new name", func() bool { _, _, a, _ := view(); return a == "Phóng viên Minh" })

	tag := first.Tags[0]
	if _, err := writer.RenameTag(ctx, editor, tag.ID, tag.Version, "Mặt trận Tổ quốc"); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 5*time.Second, "the reader shows the tag's new name", func() bool { _, _, _, g := view(); return g == "Mặt trận Tổ quốc" })

	if _, err := writer.TransitionArticle(ctx, editor, first.ID, models.ActionUnpublish, store.Schedule{}, 0, nil); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 5*time.Second, "the reader's total follows an unpublication", func() bool { n, _, _, _ := view(); return n == 1 })
}
