package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// wantField fails unless err is the validation error of field with message.
func wantField(t *testing.T, err error, field, message string) {
	t.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.CodeValidation || len(e.Fields) != 1 ||
		e.Fields[0].Field != field || e.Fields[0].Message != message {
		t.Fatalf("err = %v, want %s: %s", err, field, message)
	}
}

func fixtureAuthor(t *testing.T, ctx context.Context, st *store.Store) int64 {
	t.Helper()
	u, err := st.CreateUser(ctx, store.System, store.NewUser{Email: "tac-gia@b.vn", Name: "Tác giả", Role: models.RoleEditor, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// The article row is written before its cover is checked, so the cover's foreign key refuses a
// missing media first: the client still gets the field error, on create and on a restore of a
// revision whose cover was deleted since.
func TestArticleCoverOfMissingMediaIsAFieldError(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		author := store.Actor{UserID: fixtureAuthor(t, ctx, st), Role: models.RoleEditor}
		cat, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin"})
		if err != nil {
			t.Fatal(err)
		}
		media := make([]int64, 2)
		for i := range media {
			m, err := st.CreateMedia(ctx, author, store.MediaInput{Key: string(rune('a'+i)) + ".jpg", Name: "anh.jpg", Mime: "image/jpeg", Size: 1})
			if err != nil {
				t.Fatal(err)
			}
			media[i] = m.ID
		}
		missing := int64(9999)
		_, err = st.CreateArticle(ctx, author, store.ArticleInput{Title: "Tin", CategoryID: cat.ID, CoverMediaID: &missing})
		wantField(t, err, "cover_media_id", "media 9999 does not exist")

		a, err := st.CreateArticle(ctx, author, store.ArticleInput{Title: "Tin", CategoryID: cat.ID, CoverMediaID: &media[0]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateArticle(ctx, author, a.ID, store.ArticlePatch{Cover: models.Value(media[1])}, 1, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DeleteMedia(ctx, author, media[0]); err != nil {
			t.Fatal(err)
		}
		_, err = st.RestoreRevision(ctx, author, a.ID, 1, 2, nil)
		wantField(t, err, "cover_media_id", "media "+strconv.FormatInt(media[0], 10)+" does not exist")
		// The cover in use cannot be deleted: the count's conflict, before the foreign key.
		if _, err := st.DeleteMedia(ctx, author, media[1]); models.ErrorCode(err) != models.CodeConflict {
			t.Fatalf("deleting the cover in use = %v, want a conflict", err)
		}
	})
}

// A category deleted while an article or sub-category is being written into it: the write's
// foreign key check waits for the deletion, then refuses, and the client gets the same field
// error as when the category was already gone. Only PostgreSQL runs writers concurrently.
func TestCategoryDeletedDuringAWriteIsAFieldError(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t, store.Postgres)
	st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
	author := store.Actor{UserID: fixtureAuthor(t, ctx, st), Role: models.RoleEditor}
	sqlDB, _ := db.DB()
	for _, write := range []struct {
		name, field string
		run         func(category int64) error
	}{
		{"article", "category_id", func(c int64) error {
			_, err := st.CreateArticle(ctx, author, store.ArticleInput{Title: "Tin", CategoryID: c})
			return err
		}},
		{"sub-category", "parent_id", func(c int64) error {
			_, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Con", ParentID: &c})
			return err
		}},
	} {
		t.Run(write.name, func(t *testing.T) {
			cat, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Sắp xóa " + write.name})
			if err != nil {
				t.Fatal(err)
			}
			// The deletion takes the category's row and holds it until it commits.
			deleter, err := sqlDB.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer deleter.Rollback() //nolint:errcheck
			var pid int
			if err := deleter.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if _, err := deleter.ExecContext(ctx, `DELETE FROM categories WHERE id = $1`, cat.ID); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- write.run(cat.ID) }()
			waitBlockedBy(t, sqlDB, pid, done)
			if err := deleter.Commit(); err != nil {
				t.Fatal(err)
			}
			wantField(t, <-done, write.field, "category "+strconv.FormatInt(cat.ID, 10)+" does not exist")
		})
	}
}

// waitBlockedBy returns once a backend waits for the lock of backend pid; a write that returns
// instead did not wait, which fails the test.
func waitBlockedBy(t *testing.T, sqlDB *sql.DB, pid int, done chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var n int
		err := sqlDB.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the write did not wait for the deletion: %v", err)
		case <-time.After(10 * time.Millisecond): // polls the database's state, as deadlines_test does
		}
	}
	t.Fatal("the write never waited for the deletion")
}
