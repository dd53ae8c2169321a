package migrations_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/testdb"
)

// The sync feed starts with what is public when it is added: every category, published and due
// scheduled articles, tags a public article carries, announcements inside their window and
// published documents; drafts, future schedules and ended windows get no row, not even a slug.
func TestSyncBackfillIsWhatIsPublic(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.RunBefore(ctx, db, "0125_sync"); err != nil {
			t.Fatal(err)
		}
		// The migration reads the wall clock (it runs at start-up): times around the real now.
		now := time.Now().UTC()
		past, future := now.Add(-time.Hour), now.Add(24*time.Hour)
		execs(t, db,
			`INSERT INTO categories (id, slug, name, position, description, created_at, updated_at) VALUES (1, 'tin-moi', 'Tin mới', 0, '', ?, ?)`,
			`INSERT INTO users (id, email, name, slug, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'An', 'an', 'editor', true, 'x', ?, ?)`)
		for _, a := range []struct {
			id     int
			status string
			at     *time.Time
		}{{1, "published", &past}, {2, "scheduled", &past}, {3, "scheduled", &future}, {4, "draft", nil}, {5, "archived", &past}} {
			if err := db.Exec(`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, published_at, category_id, author_id, byline, featured, cover_caption, view_count, version, created_at, updated_at)
				VALUES (?, ?, false, 'Bài', '', '', ?, ?, 1, 1, '', false, '', 0, 1, ?, ?)`, a.id, "bai-"+string(rune('a'+a.id)), a.status, a.at, past, past).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Exec(`INSERT INTO tags (id, slug, name, description, version, created_at) VALUES (1, 'cong-khai', 'Công khai', '', 1, ?), (2, 'hen-gio', 'Hẹn giờ', '', 1, ?)`, past, past).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`INSERT INTO article_tags (article_id, tag_id, position, public_at) VALUES (1, 1, 0, ?), (3, 2, 0, ?)`, past, future).Error; err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct {
			id         int
			start, end *time.Time
		}{{1, &past, nil}, {2, &past, &past}, {3, &future, nil}} {
			if err := db.Exec(`INSERT INTO announcements (id, slug, title, body, pinned, starts_at, ends_at, status, version, created_at, updated_at) VALUES (?, ?, 'TB', '', false, ?, ?, 'published', 1, ?, ?)`,
				a.id, "tb-"+string(rune('a'+a.id)), a.start, a.end, past, past).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Kind   string
			ItemID int64
			Slug   string
			Seq    int64
			Public bool
		}
		if err := db.Table("sync_items").Order("kind, item_id").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var got []string
		seqs := map[int64]bool{}
		for _, r := range rows {
			got = append(got, r.Kind+":"+r.Slug)
			seqs[r.Seq] = r.Public
		}
		want := []string{"announcement:tb-b", "article:bai-b", "article:bai-c", "category:tin-moi", "tag:cong-khai"}
		if !slices.Equal(got, want) {
			t.Fatalf("sync_items %v, want %v", got, want)
		}
		var counter struct {
			Seq   int64
			Epoch string
		}
		db.Table("sync_counter").Take(&counter)
		if counter.Seq != int64(len(rows)) || len(seqs) != len(rows) || counter.Epoch == "" {
			t.Fatalf("counter %+v over %d rows numbered %v", counter, len(rows), seqs)
		}
	})
}
