package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Articles written before migration 0085 get their word count and reading time from their
// body, and empty SEO fields (the defaults).
func TestArticlePageBackfill(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.RunBefore(ctx, db, "0085_article_page"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
		long := ""
		for range 201 {
			long += "<p>chữ</p>"
		}
		execs(t, db,
			`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'A', 'editor', true, 'x', ?, ?)`,
			`INSERT INTO categories (id, parent_id, slug, name, position, description, created_at, updated_at) VALUES (1, NULL, 'tin', 'Tin', 0, '', ?, ?)`,
		)
		for i, body := range []string{"<p>Đồng chí <b>Đỗ Văn Chiến</b> dự</p>", "", long} {
			if err := db.Exec(`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_caption, view_count, version, created_at, updated_at)
				VALUES (?, ?, false, 'Tin', '', ?, 'draft', 1, 1, '', false, '', 0, 1, ?, ?)`, i+1, "tin-"+string(rune('a'+i)), body, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			ID          int64
			WordCount   int
			ReadingTime int
			MetaTitle   string
			Noindex     bool
		}
		if err := db.Raw("SELECT id, word_count, reading_time, meta_title, noindex FROM articles ORDER BY id").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		want := [][2]int{{6, 1}, {0, 0}, {201, 2}}
		for i, r := range rows {
			if [2]int{r.WordCount, r.ReadingTime} != want[i] || r.MetaTitle != "" || r.Noindex {
				t.Errorf("article %d: %+v, want words and minutes %v and no SEO", r.ID, r, want[i])
			}
		}
	})
}
