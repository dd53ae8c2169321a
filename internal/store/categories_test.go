package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// taxonomyWrite is one write of a category or tag rollback test. run makes it and returns the
// id of the item it wrote; state reads that item's row as text ("absent" when there is none),
// which a write that fails must leave as it was and one that commits must change.
type taxonomyWrite struct {
	name   string
	run    func() (int64, error)
	state  func() string
	action string
	target string
	detail string
}

// taxonomyTables are the tables a category or tag write touches, or must not.
var taxonomyTables = []string{"categories", "tags", "article_tags", "article_revisions", "search_index", "webhook_events", "audit_log"}

// checkTaxonomyWrites makes each write with its audit entry failing, and checks that nothing of
// it is left; then makes it again and checks that the row changed, with its audit entry.
// Categories and tags have no revisions, search entries or events: those counts never move.
func checkTaxonomyWrites(t *testing.T, db *gorm.DB, actor store.Actor, writes []taxonomyWrite) {
	t.Helper()
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before, rows := w.state(), counts(t, db, taxonomyTables...)
			stop := failAuditWrites(t, db)
			if _, err := w.run(); !errors.Is(err, errInjected) {
				t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
			}
			if got := w.state(); got != before {
				t.Errorf("a failed write changed the row:\n%s\nwas\n%s", got, before)
			}
			if got := counts(t, db, taxonomyTables...); !maps.Equal(got, rows) {
				t.Errorf("a failed write left rows: %v, was %v", got, rows)
			}
			stop()
			id, err := w.run()
			if err != nil {
				t.Fatal(err)
			}
			if w.state() == before {
				t.Errorf("the committed write did not change the row: %s", before)
			}
			after := counts(t, db, taxonomyTables...)
			for _, table := range []string{"article_revisions", "search_index", "webhook_events"} {
				if after[table] != rows[table] {
					t.Errorf("%s: %d rows, was %d", table, after[table], rows[table])
				}
			}
			if after["audit_log"] != rows["audit_log"]+1 {
				t.Fatalf("audit_log: %d rows, want %d", after["audit_log"], rows["audit_log"]+1)
			}
			var e models.AuditEntry
			if err := db.Order("id DESC").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			type entry struct {
				ActorID                                                        int64
				Action, TargetType, TargetID, ActorRole, IP, RequestID, Detail string
			}
			got := entry{0, e.Action, e.TargetType, e.TargetID, e.ActorRole, e.IP, e.RequestID, e.Detail}
			if e.ActorID != nil {
				got.ActorID = *e.ActorID
			}
			want := entry{actor.UserID, w.action, w.target, strconv.FormatInt(id, 10), actor.Role, actor.IP, actor.RequestID, w.detail}
			if got != want {
				t.Errorf("audit entry %+v, want %+v", got, want)
			}
		})
	}
}

// rowState reads a row of table as text, "absent" when there is none.
func rowState(t *testing.T, db *gorm.DB, table, where string, args ...any) string {
	t.Helper()
	var rows []map[string]any
	if err := db.Table(table).Where(where, args...).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return "absent"
	}
	return fmt.Sprint(rows)
}

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
		byID := func(id int64) func() string {
			return func() string { return rowState(t, db, "categories", "id = ?", id) }
		}
		name := "  Tin mới  "
		checkTaxonomyWrites(t, db, actor, []taxonomyWrite{
			{name: "create", action: "category.create", target: "category", detail: "mat-tran-dia-phuong",
				run: func() (int64, error) {
					c, err := st.CreateCategory(ctx, actor, store.CategoryInput{Name: "Mặt trận địa phương", ParentID: &news.ID})
					return c.ID, err
				},
				state: func() string { return rowState(t, db, "categories", "slug = ?", "mat-tran-dia-phuong") }},
			{name: "update", action: "category.update", target: "category", state: byID(news.ID),
				run: func() (int64, error) {
					c, err := st.UpdateCategory(ctx, actor, news.ID, 1, store.CategoryPatch{Name: &name, ParentID: models.Null[int64]()})
					if err == nil && (c.Name != "Tin mới" || c.Version != 2) {
						t.Errorf("updated: %+v", c)
					}
					return news.ID, err
				}},
			{name: "delete", action: "category.delete", target: "category", state: byID(spare.ID),
				run: func() (int64, error) { return spare.ID, st.DeleteCategory(ctx, actor, spare.ID, 1) }},
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
