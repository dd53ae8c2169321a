package store_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// taxonomyTables are the tables a category or tag write touches, or must not: categories and
// tags have no revisions, search entries or events.
var taxonomyTables = []string{"categories", "tags", "article_tags", "article_revisions", "search_index"}

// TestCategoryWritesRollBack: a category write whose audit entry fails leaves nothing; once it
// commits, the row and its audit entry (actor, role, address, request) are there.
func TestCategoryWritesRollBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		actor := newActor(t, db, models.RoleEditor)
		news, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin tức"})
		if err != nil {
			t.Fatal(err)
		}
		spare, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tạm"})
		if err != nil {
			t.Fatal(err)
		}
		byID := func(id int64) func(*testing.T) any {
			return func(t *testing.T) any { return rows(t, db.Table("categories").Where("id = ?", id)) }
		}
		name := "  Tin mới  "
		var updated store.CategoryCount
		testAuditedWrites(t, db, actor, taxonomyTables, []auditedWrite{
			{name: "create", grows: map[string]int64{"categories": 1},
				audit: store.Audit{Action: "category.create", TargetType: "category", Detail: "mat-tran-dia-phuong"},
				write: func() (int64, error) {
					c, err := st.CreateCategory(ctx, actor, store.CategoryInput{Name: "Mặt trận địa phương", ParentID: &news.ID})
					return c.ID, err
				},
				state: func(t *testing.T) any {
					return rows(t, db.Table("categories").Where("slug = ?", "mat-tran-dia-phuong"))
				}},
			{name: "update", state: byID(news.ID), audit: store.Audit{Action: "category.update", TargetType: "category"},
				write: func() (_ int64, err error) {
					updated, err = st.UpdateCategory(ctx, actor, news.ID, 1, store.CategoryPatch{Name: &name, ParentID: models.Null[int64]()})
					return news.ID, err
				},
				check: func(t *testing.T, _ int64) {
					if updated.Name != "Tin mới" || updated.Version != 2 {
						t.Errorf("updated: %+v", updated)
					}
				}},
			{name: "delete", state: byID(spare.ID), grows: map[string]int64{"categories": -1},
				audit: store.Audit{Action: "category.delete", TargetType: "category"},
				write: func() (int64, error) { return spare.ID, st.DeleteCategory(ctx, actor, spare.ID, 1) }},
		})
	})
}

// TestCategoryVersions: changes are made only at the version read.
func TestCategoryVersions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		c, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin tức"})
		if err != nil || c.Version != 1 {
			t.Fatalf("create: %+v %v", c, err)
		}
		pos := 3
		if _, err := st.UpdateCategory(ctx, store.System, c.ID, 2, store.CategoryPatch{Position: &pos}); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Fatalf("update at a version not yet made: %v", err)
		}
		if _, err := st.UpdateCategory(ctx, store.System, c.ID, 1, store.CategoryPatch{Position: &pos}); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteCategory(ctx, store.System, c.ID, 1); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Fatalf("delete at a stale version: %v", err)
		}
		if err := st.DeleteCategory(ctx, store.System, 9999, 1); models.ErrorCode(err) != models.CodeNotFound {
			t.Fatalf("delete of an unknown category: %v", err)
		}
		if err := st.DeleteCategory(ctx, store.System, c.ID, 2); err != nil {
			t.Fatal(err)
		}
	})
}
