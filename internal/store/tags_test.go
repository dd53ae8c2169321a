package store_test

import (
	"context"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// TestTagWritesRollBack: a tag write whose audit entry fails leaves nothing, not even the
// removal of the tag from its articles; once it commits, the row and its audit entry are there.
func TestTagWritesRollBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		actor := newActor(t, db, models.RoleEditor)
		hoi, err := st.CreateTag(ctx, store.System, "Đại hội", "")
		if err != nil {
			t.Fatal(err)
		}
		cu, err := st.CreateTag(ctx, store.System, "Bầu cử", "")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Tin tức"})
		if err != nil {
			t.Fatal(err)
		}
		a := models.Article{Slug: "bau-cu", Title: "Bầu cử", Status: models.StatusDraft, CategoryID: cat.ID, AuthorID: actor.UserID, Version: 1}
		if err := db.Omit(clause.Associations).Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO article_tags (article_id, tag_id, position) VALUES (?, ?, 0)", a.ID, cu.ID).Error; err != nil {
			t.Fatal(err)
		}
		byID := func(id int64) func(*testing.T) any {
			return func(t *testing.T) any {
				return []any{rows(t, db.Table("tags").Where("id = ?", id)), rows(t, db.Table("article_tags").Where("tag_id = ?", id))}
			}
		}
		var created models.Tag
		var renamed store.TagCount
		testAuditedWrites(t, db, actor, taxonomyTables, []auditedWrite{
			{name: "create", grows: map[string]int64{"tags": 1},
				audit: store.Audit{Action: "tag.create", TargetType: "tag", Detail: "mat-tran"},
				write: func() (_ int64, err error) {
					created, err = st.CreateTag(ctx, actor, " Mặt trận ", "")
					return created.ID, err
				},
				state: func(t *testing.T) any { return rows(t, db.Table("tags").Where("slug = ?", "mat-tran")) },
				check: func(t *testing.T, _ int64) {
					if created.Name != "Mặt trận" || created.Version != 1 {
						t.Errorf("created: %+v", created)
					}
				}},
			{name: "rename", state: byID(hoi.ID),
				audit: store.Audit{Action: "tag.update", TargetType: "tag", Detail: "dai-hoi-dai-bieu"},
				write: func() (_ int64, err error) {
					renamed, err = st.RenameTag(ctx, actor, hoi.ID, 1, "Đại hội đại biểu")
					return hoi.ID, err
				},
				check: func(t *testing.T, _ int64) {
					if renamed.Slug != "dai-hoi-dai-bieu" || renamed.Version != 2 {
						t.Errorf("renamed: %+v", renamed)
					}
				}},
			{name: "delete a tag an article carries", state: byID(cu.ID), grows: map[string]int64{"tags": -1, "article_tags": -1},
				audit: store.Audit{Action: "tag.delete", TargetType: "tag"},
				write: func() (int64, error) { return cu.ID, st.DeleteTag(ctx, actor, cu.ID, 1) }},
		})
		var left int64
		db.Table("article_tags").Count(&left)
		if left != 0 {
			t.Errorf("article_tags: %d rows left after the tag's deletion", left)
		}
	})
}

// TestTagVersions: renames and deletions are made only at the version read; a name must have
// letters or digits, and may not fold to another tag's slug.
func TestTagVersions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		tag, err := st.CreateTag(ctx, store.System, "Đại hội", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateTag(ctx, store.System, "ĐẠI HỘI", ""); models.ErrorCode(err) != models.CodeConflict {
			t.Fatalf("a name of the same slug: %v", err)
		}
		if _, err := st.CreateTag(ctx, store.System, "!!!", ""); models.ErrorCode(err) != models.CodeValidation {
			t.Fatalf("a name without letters: %v", err)
		}
		if _, err := st.CreateTag(ctx, store.System, "Bầu cử", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RenameTag(ctx, store.System, tag.ID, 1, "Bầu cử"); models.ErrorCode(err) != models.CodeConflict {
			t.Fatalf("rename onto another tag: %v", err)
		}
		if _, err := st.RenameTag(ctx, store.System, tag.ID, 2, "Đại hội X"); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Fatalf("rename at a version not yet made: %v", err)
		}
		if _, err := st.RenameTag(ctx, store.System, 9999, 1, "Khác"); models.ErrorCode(err) != models.CodeNotFound {
			t.Fatalf("rename of an unknown tag: %v", err)
		}
		if _, err := st.RenameTag(ctx, store.System, tag.ID, 1, "Đại hội X"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteTag(ctx, store.System, tag.ID, 1); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Fatalf("delete at a stale version: %v", err)
		}
		if err := st.DeleteTag(ctx, store.System, tag.ID, 2); err != nil {
			t.Fatal(err)
		}
	})
}
