package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Items written before the search index existed are found once the back-fill has run.
func TestSearchBackfill(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.New(t, dialect)
		now := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
		// Rows as an older toasoan left them: written straight to their tables, not indexed.
		for _, stmt := range []string{
			`INSERT INTO categories (id, slug, name, position, description, created_at, updated_at) VALUES (1, 'tin-moi', 'Tin mới', 0, '', ?, ?)`,
			`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'A', 'editor', true, 'x', ?, ?)`,
		} {
			if err := db.Exec(stmt, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Exec(sql, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_caption, published_at, view_count, version, created_at, updated_at)
			VALUES (1, 'dai-hoi', true, 'Đại hội đại biểu MTTQ tỉnh Gia Lai', 'Tóm tắt', '<p>Đồng chí <b>Đỗ Văn Chiến</b> dự</p>', 'published', 1, 1, '', false, '', ?, 0, 1, ?, ?),
			       (2, 'nhap', false, 'Đại hội bản nháp', '', '', 'draft', 1, 1, '', false, '', NULL, 0, 1, ?, ?)`, now, now, now, now, now)
		exec(`INSERT INTO announcements (id, slug, title, body, pinned, starts_at, status, version, created_at, updated_at)
			VALUES (1, 'thong-bao', 'Thông báo tuyển dụng', '<p>Hạn nộp hồ sơ</p>', false, ?, 'published', 1, ?, ?)`, now, now, now)
		exec(`INSERT INTO documents (id, number, number_key, number_sequence, number_type_code, number_issuer_code, title, type_id, issuer, signer, field, issued_on, effective_on, status, version, created_at, updated_at)
			VALUES (1, '12/NQ-MTTW', '12/NQ-MTTW', 12, 'NQ', 'MTTW', 'Nghị quyết về công tác hòa giải', (SELECT id FROM document_types WHERE code = 'NQ'),
			'Ủy ban Trung ương MTTQ Việt Nam', 'Đỗ Văn Chiến', 'Dân chủ - Pháp luật', '2024-05-10', '2024-05-10', 'published', 1, ?, ?)`, now, now)
		if err := db.Exec(`DELETE FROM schema_migrations WHERE id = '0041_search_backfill'`).Error; err != nil {
			t.Fatal(err)
		}
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatal(err)
		}
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		find := func(q string) int64 {
			_, total, err := st.Search(ctx, store.SearchQuery{Query: search.ParseQuery(q, nil), Kinds: []string{store.KindArticle, store.KindAnnouncement, store.KindDocument},
				Public: true, Now: now.Add(time.Hour), Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		if n := find("do van chien"); n != 2 {
			t.Errorf("article body after back-fill: %d hits", n)
		}
		if n := find("dai hoi"); n != 1 {
			t.Errorf("published only: %d hits, want 1 (the draft is indexed but not public)", n)
		}
		if n := find("12/NQ-MTTW hoa giai"); n != 1 {
			t.Errorf("document after back-fill: %d hits", n)
		}
		if n := find("tuyen dung"); n != 1 {
			t.Errorf("announcement after back-fill: %d hits", n)
		}
	})
}

// Tags of articles written before article_tags.public_at existed get it from their article:
// its published_at while published or scheduled, NULL for the others.
func TestArticleTagsPublicBackfill(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.New(t, dialect)
		now := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Exec(sql, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO categories (id, slug, name, position, description, created_at, updated_at) VALUES (1, 'tin-moi', 'Tin mới', 0, '', ?, ?)`, now, now)
		exec(`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'A', 'editor', true, 'x', ?, ?)`, now, now)
		exec(`INSERT INTO tags (id, slug, name, version, created_at) VALUES (1, 'dai-hoi', 'Đại hội', 1, ?)`, now)
		for i, status := range []string{"published", "scheduled", "draft", "archived"} {
			exec(`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_caption, published_at, view_count, version, created_at, updated_at)
				VALUES (?, ?, true, 'Bài', '', '', ?, 1, 1, '', false, '', ?, 0, 1, ?, ?)`, i+1, status, status, now.Add(time.Duration(i)*time.Hour), now, now)
			exec(`INSERT INTO article_tags (article_id, tag_id, position) VALUES (?, 1, 0)`, i+1)
		}
		// As before the migration: no column, no index, not recorded.
		exec(`DROP INDEX article_tags_public`)
		exec(`ALTER TABLE article_tags DROP COLUMN public_at`)
		exec(`DELETE FROM schema_migrations WHERE id = '0071_article_tags_public'`)
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			ArticleID int64
			PublicAt  *time.Time
		}
		if err := db.Raw(`SELECT article_id, public_at FROM article_tags ORDER BY article_id`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows", len(rows))
		}
		for i, r := range rows {
			want := i < 2 // published and scheduled
			if got := r.PublicAt != nil; got != want {
				t.Errorf("article %d: public_at %v, want set: %v", r.ArticleID, r.PublicAt, want)
			} else if want && !r.PublicAt.Equal(now.Add(time.Duration(i)*time.Hour)) {
				t.Errorf("article %d: public_at %v, want its published_at %v", r.ArticleID, r.PublicAt, now.Add(time.Duration(i)*time.Hour))
			}
		}
	})
}
