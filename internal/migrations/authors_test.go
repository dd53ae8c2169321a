package migrations_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Users made before author profiles get a slug from their name (numbered in id order, never
// only digits), and every article its author as its only one.
func TestAuthorProfilesBackfill(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.RunBefore(ctx, db, "0090_author_profiles"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
		execs(t, db,
			`INSERT INTO categories (id, slug, name, position, description, created_at, updated_at) VALUES (1, 'tin-moi', 'Tin mới', 0, '', '2026-08-23 07:00:00', '2026-08-23 07:00:00')`)
		for i, name := range []string{"Nguyễn Văn An", "Nguyễn Văn An", "2024", "Đỗ Thị Hà"} {
			if err := db.Exec(`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'author', true, 'x', ?, ?)`,
				i+1, string(rune('a'+i))+"@b.vn", name, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			if err := db.Exec(`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_caption, view_count, version, created_at, updated_at)
				VALUES (?, ?, false, 'Bài', '', '', 'draft', 1, ?, '', false, '', 0, 1, ?, ?)`, i+1, "bai-"+string(rune('a'+i)), 4-i, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatal(err)
		}
		var slugs []string
		db.Table("users").Order("id").Pluck("slug", &slugs)
		if want := []string{"nguyen-van-an", "nguyen-van-an-2", "tac-gia-2024", "do-thi-ha"}; !slices.Equal(slugs, want) {
			t.Errorf("slugs %v, want %v", slugs, want)
		}
		var pairs []struct{ ArticleID, UserID, Position int64 }
		db.Table("article_authors").Order("article_id").Scan(&pairs)
		if len(pairs) != 2 || pairs[0].UserID != 4 || pairs[1].UserID != 3 || pairs[0].Position != 0 {
			t.Errorf("article_authors %+v", pairs)
		}
		if err := db.Exec(`UPDATE users SET slug = 'do-thi-ha' WHERE id = 1`).Error; err == nil {
			t.Error("two users with one slug")
		}
	})
}
