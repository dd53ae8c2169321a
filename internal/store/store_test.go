package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Times written in different offsets must compare by instant on both databases: SQLite keeps
// times as text, so the store writes them in UTC.
func TestTimesCompareByInstantWhateverTheirOffset(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		hanoi := time.FixedZone("ICT", 7*3600)
		base := time.Date(2026, 8, 23, 14, 0, 0, 0, time.UTC)
		// 20:59 in Hà Nội is 13:59 UTC: before base, though its local text sorts after it.
		entries := []time.Time{base.Add(-time.Minute).In(hanoi), base.Add(time.Minute), base.Add(500 * time.Millisecond).In(hanoi)}
		for i, at := range entries {
			if err := st.DB().WithContext(ctx).Create(&models.AuditEntry{Action: "test", TargetID: string(rune('a' + i)), CreatedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
		}
		var before []string
		err := db.Model(&models.AuditEntry{}).Where("created_at <= ?", base.In(hanoi)).Order("created_at").Pluck("target_id", &before).Error
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != 1 || before[0] != "a" {
			t.Fatalf("entries at or before %v: %v, want [a]", base, before)
		}
		var ordered []string
		db.Model(&models.AuditEntry{}).Order("created_at").Pluck("target_id", &ordered)
		if len(ordered) != 3 || ordered[0] != "a" || ordered[1] != "c" || ordered[2] != "b" {
			t.Fatalf("order by time: %v, want [a c b]", ordered)
		}
		var back models.AuditEntry
		db.Where("target_id = ?", "a").Take(&back)
		if !back.CreatedAt.Equal(entries[0]) {
			t.Fatalf("read back %v, want %v", back.CreatedAt, entries[0])
		}
	})
}

// Times the store reads back are in UTC on both databases, whatever the process's zone
// (time.Local): so what it writes from them (revision snapshots, webhook events) shows the same
// text as a time from its clock, and a write does not depend on where the server runs.
func TestTimesReadBackAreUTC(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.New(t, dialect)
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		editor, author := newActor(t, db, models.RoleEditor), newActor(t, db, models.RoleAuthor)
		category := models.Category{Slug: "tin-moi", Name: "Tin mới"}
		if err := db.Create(&category).Error; err != nil {
			t.Fatal(err)
		}
		a, err := st.CreateArticle(ctx, author, store.ArticleInput{Title: "Bầu cử", Body: "<p>Nội dung</p>", CategoryID: category.ID})
		if err != nil {
			t.Fatal(err)
		}
		if a, err = st.TransitionArticle(ctx, editor, a.ID, models.ActionPublish, store.Schedule{}, a.Version, nil); err != nil {
			t.Fatal(err)
		}
		read, err := st.ArticleByID(ctx, a.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, tm := range map[string]time.Time{"published_at": *a.PublishedAt, "created_at": a.CreatedAt,
			"updated_at": a.UpdatedAt, "read published_at": *read.PublishedAt, "read created_at": read.CreatedAt} {
			if tm.Location() != time.UTC {
				t.Errorf("%s: its location %v is not time.UTC (read in the process zone?)", name, tm.Location())
			}
		}

		want := `"published_at":"` + testdb.Epoch.UTC().Format(time.RFC3339Nano) + `"`
		var snapshot, event string
		if err := db.Raw("SELECT snapshot FROM article_revisions WHERE article_id = ? AND number = 2", a.ID).Scan(&snapshot).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Raw("SELECT data FROM webhook_events WHERE type = ?", models.EventArticlePublished).Scan(&event).Error; err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"revision snapshot": snapshot, "event": event} {
			if !strings.Contains(text, want) {
				t.Errorf("%s %s, want it to contain %s", name, text, want)
			}
		}
	})
}
