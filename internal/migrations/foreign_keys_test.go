package migrations_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

const foreignKeys = "0061_foreign_keys"

// execs runs statements, each with the times they ask for, failing the test at the first error.
func execs(t *testing.T, db *gorm.DB, statements ...string) {
	t.Helper()
	now := time.Date(2026, 8, 23, 7, 0, 0, 0, time.UTC)
	for _, s := range statements {
		args := make([]any, strings.Count(s, "?"))
		for i := range args {
			args[i] = now
		}
		if err := db.Exec(s, args...).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func count(t *testing.T, db *gorm.DB, query string) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Every connection of the SQLite pool enforces foreign keys, the one the migration turned them
// off on included: all four are held at once, so each is a different one.
func checkForeignKeysOn(t *testing.T, db *gorm.DB) {
	t.Helper()
	if db.Dialector.Name() != store.SQLite {
		return
	}
	sqlDB, _ := db.DB()
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var on int
		if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
			t.Fatal(err)
		}
		if on != 1 {
			t.Errorf("pooled connection %d: foreign_keys = %d", i, on)
		}
	}
}

// schemaObjects lists what SQLite's schema holds (tables, indexes, triggers, the FTS5 table).
func schemaObjects(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var names []string
	if err := db.Raw(`SELECT type || ' ' || name FROM sqlite_master ORDER BY 1`).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

// A database as the previous toasoan left it, with rows pointing at nothing: the migration
// deletes the owned ones, clears the optional references, and keeps everything else, columns
// added by later migrations, indexes, triggers and the search index included.
func TestForeignKeysMigrationSettlesOrphans(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.RunBefore(ctx, db, foreignKeys); err != nil {
			t.Fatal(err)
		}
		execs(t, db,
			// A column as migration 0060 adds them, which the SQLite rebuild must keep.
			`ALTER TABLE categories ADD COLUMN later_column INTEGER NOT NULL DEFAULT 7`,
			`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'A', 'editor', true, 'x', ?, ?)`,
			`INSERT INTO categories (id, parent_id, slug, name, position, description, created_at, updated_at) VALUES (1, NULL, 'tin', 'Tin', 0, '', ?, ?), (2, 99, 'mo-coi', 'Mồ côi', 0, '', ?, ?)`,
			`INSERT INTO tags (id, slug, name, created_at) VALUES (1, 'dai-hoi', 'Đại hội', ?)`,
			`INSERT INTO media (id, key, name, mime, size, uploaded_by, created_at) VALUES (1, 'a.jpg', 'a.jpg', 'image/jpeg', 1, 99, ?)`,
			`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_media_id, cover_caption, view_count, version, created_at, updated_at)
				VALUES (1, 'mot', false, 'Một', '', '', 'draft', 1, 1, '', false, 1, '', 0, 1, ?, ?),
				       (2, 'hai', false, 'Hai', '', '', 'draft', 1, 1, '', false, 98, '', 0, 1, ?, ?),
				       (3, 'ba', false, 'Ba', '', '', 'draft', 1, 1, '', false, NULL, '', 0, 1, ?, ?)`,
			`DELETE FROM articles WHERE id = 3`,
			`INSERT INTO article_tags (article_id, tag_id, position) VALUES (1, 1, 0), (77, 1, 0), (1, 66, 1)`,
			`INSERT INTO article_revisions (article_id, number, action, actor_id, snapshot, created_at) VALUES (1, 1, 'create', 99, '{}', ?), (77, 1, 'create', 1, '{}', ?)`,
			`INSERT INTO media_links (media_id, owner_type, owner_id, role, position) VALUES (1, 'article', 1, 'cover', 0), (55, 'article', 2, 'cover', 0)`,
			`INSERT INTO sessions (id, user_id, expires_at, created_at, last_used_at) VALUES (1, 1, ?, ?, ?), (2, 99, ?, ?, ?)`,
			`INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES ('h1', 1, ?), ('h2', 2, ?), ('h3', 44, ?)`,
			`INSERT INTO audit_log (id, actor_id, action, created_at) VALUES (1, 1, 'a', ?), (2, 99, 'b', ?)`,
			`INSERT INTO submissions (id, tracking_code, name, email, phone, subject, content, status, assignee_id, reply, created_at, updated_at)
				VALUES (1, 'T1', 'N', 'n@b.vn', '', 'S', 'C', 'new', 99, '', ?, ?)`,
			`INSERT INTO submission_notes (id, submission_id, author_id, body, created_at) VALUES (1, 1, 1, 'ok', ?), (2, 88, 1, 'mồ côi', ?)`,
			`INSERT INTO webhooks (id, url, events, secret, active, created_at, updated_at) VALUES (1, 'https://x.vn', '[]', 's', true, ?, ?)`,
			`INSERT INTO webhook_events (id, type, data, fanned_out, created_at) VALUES (1, 'ping', '{}', true, ?)`,
			`INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, attempts, next_attempt_at, last_error, created_at)
				VALUES (1, 1, 1, 'pending', 0, ?, '', ?), (2, 9, 1, 'pending', 0, ?, '', ?), (3, 1, 8, 'pending', 0, ?, '', ?)`,
			`INSERT INTO webhook_attempts (id, delivery_id, number, attempted_at, error, response_ms) VALUES (1, 1, 1, ?, '', 1), (2, 2, 1, ?, '', 1)`,
		)
		var before []string
		if dialect == store.SQLite {
			before = schemaObjects(t, db)
		}
		// Up to 0061 and no further: the schema compared below is what 0061 leaves.
		if err := migrations.RunBefore(ctx, db, "0070_article_views"); err != nil {
			t.Fatal(err)
		}
		for query, want := range map[string]int64{
			`SELECT COUNT(*) FROM categories WHERE parent_id IS NULL AND later_column = 7`:     2, // the orphan became a root
			`SELECT COUNT(*) FROM media WHERE uploaded_by IS NULL`:                             1,
			`SELECT COUNT(*) FROM articles WHERE cover_media_id IS NULL`:                       1,
			`SELECT COUNT(*) FROM articles WHERE cover_media_id = 1`:                           1,
			`SELECT COUNT(*) FROM article_tags`:                                                1,
			`SELECT COUNT(*) FROM article_revisions WHERE article_id = 1 AND actor_id IS NULL`: 1,
			`SELECT COUNT(*) FROM article_revisions`:                                           1,
			`SELECT COUNT(*) FROM media_links`:                                                 1,
			`SELECT COUNT(*) FROM sessions`:                                                    1,
			`SELECT COUNT(*) FROM refresh_tokens`:                                              1, // h2 went with its orphan session
			`SELECT COUNT(*) FROM audit_log WHERE actor_id IS NULL`:                            1,
			`SELECT COUNT(*) FROM audit_log`:                                                   2,
			`SELECT COUNT(*) FROM submissions WHERE assignee_id IS NULL`:                       1,
			`SELECT COUNT(*) FROM submission_notes`:                                            1,
			`SELECT COUNT(*) FROM webhook_deliveries`:                                          1,
			`SELECT COUNT(*) FROM webhook_attempts`:                                            1, // attempt 2 went with its orphan delivery
		} {
			if got := count(t, db, query); got != want {
				t.Errorf("%s = %d, want %d", query, got, want)
			}
		}
		checkForeignKeysOn(t, db)
		if dialect == store.Postgres {
			return
		}
		// The rebuilt tables keep their indexes and triggers; the search index is untouched.
		after := schemaObjects(t, db)
		if want := slices.Sorted(slices.Values(append(before, "index idx_articles_cover_media_id"))); !slices.Equal(after, want) {
			t.Errorf("schema after the rebuild:\n%v\nwant\n%v", after, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
			t.Errorf("foreign_key_check: %d violations", n)
		}
		// The AUTOINCREMENT counter survives the copy: the deleted article's id is not reused.
		if seq := count(t, db, `SELECT seq FROM sqlite_sequence WHERE name = 'articles'`); seq != 3 {
			t.Errorf("articles' sequence = %d, want 3", seq)
		}
		var sql string
		db.Raw(`SELECT sql FROM sqlite_master WHERE name = 'categories'`).Scan(&sql)
		if !strings.Contains(sql, "later_column") || !strings.Contains(sql, "fk_categories_parent") {
			t.Errorf("categories rebuilt as %s", sql)
		}
	})
}

// An article whose category does not exist is content the migration will not guess about: it
// refuses, says which rows, and leaves the database as it was.
func TestForeignKeysMigrationRefusesArticlesWithoutCategory(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.RunBefore(ctx, db, foreignKeys); err != nil {
			t.Fatal(err)
		}
		execs(t, db,
			`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at) VALUES (1, 'a@b.vn', 'A', 'editor', true, 'x', ?, ?)`,
			`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_caption, view_count, version, created_at, updated_at)
				VALUES (5, 'lac', false, 'Lạc', '', '', 'draft', 42, 1, '', false, '', 0, 1, ?, ?)`,
			`INSERT INTO sessions (id, user_id, expires_at, created_at, last_used_at) VALUES (2, 99, ?, ?, ?)`,
		)
		err := migrations.Run(ctx, db)
		if err == nil || !strings.Contains(err.Error(), "articles [5]") || !strings.Contains(err.Error(), "articles.category_id") {
			t.Fatalf("Run = %v, want the refusal naming article 5", err)
		}
		applied, _ := migrations.Applied(ctx, db)
		if slices.Contains(applied, foreignKeys) {
			t.Error("the refused migration is recorded")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM sessions`); n != 1 {
			t.Errorf("the orphan session was deleted by a migration that failed (%d left)", n)
		}
		checkForeignKeysOn(t, db)
		execs(t, db, `INSERT INTO categories (id, slug, name, position, description, created_at, updated_at) VALUES (42, 'lac', 'Lạc', 0, '', ?, ?)`)
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatalf("Run once the category exists: %v", err)
		}
	})
}

// Each foreign key does what its ON DELETE says: owned rows go with their parent, optional
// references are cleared, and a parent still referenced is refused.
func TestForeignKeysOnDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		execs(t, db,
			`INSERT INTO users (id, email, name, role, active, password_hash, created_at, updated_at)
				VALUES (1, 'tac-gia@b.vn', 'Tác giả', 'author', true, 'x', ?, ?), (2, 'di@b.vn', 'Đi', 'editor', true, 'x', ?, ?),
				       (3, 'ghi-chu@b.vn', 'Ghi chú', 'editor', true, 'x', ?, ?)`,
			`INSERT INTO categories (id, parent_id, slug, name, position, description, created_at, updated_at)
				VALUES (1, NULL, 'cha', 'Cha', 0, '', ?, ?), (2, 1, 'con', 'Con', 0, '', ?, ?), (3, NULL, 'co-bai', 'Có bài', 0, '', ?, ?)`,
			`INSERT INTO tags (id, slug, name, created_at) VALUES (1, 'mot', 'Một', ?), (2, 'hai', 'Hai', ?)`,
			`INSERT INTO media (id, key, name, mime, size, uploaded_by, created_at)
				VALUES (1, 'a.jpg', 'a.jpg', 'image/jpeg', 1, 2, ?), (2, 'b.jpg', 'b.jpg', 'image/jpeg', 1, NULL, ?)`,
			`INSERT INTO articles (id, slug, slug_locked, title, summary, body, status, category_id, author_id, byline, featured, cover_media_id, cover_caption, view_count, version, created_at, updated_at)
				VALUES (1, 'mot', false, 'Một', '', '', 'draft', 3, 1, '', false, 2, '', 0, 1, ?, ?)`,
			`INSERT INTO article_tags (article_id, tag_id, position) VALUES (1, 1, 0), (1, 2, 1)`,
			`INSERT INTO article_revisions (article_id, number, action, actor_id, snapshot, created_at) VALUES (1, 1, 'create', 2, '{}', ?)`,
			`INSERT INTO media_links (media_id, owner_type, owner_id, role, position) VALUES (1, 'announcement', 1, 'attachment', 0)`,
			`INSERT INTO sessions (id, user_id, expires_at, created_at, last_used_at) VALUES (1, 2, ?, ?, ?)`,
			`INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES ('h1', 1, ?)`,
			`INSERT INTO audit_log (id, actor_id, action, created_at) VALUES (1, 2, 'a', ?)`,
			`INSERT INTO submissions (id, tracking_code, name, email, phone, subject, content, status, assignee_id, reply, created_at, updated_at)
				VALUES (1, 'T1', 'N', 'n@b.vn', '', 'S', 'C', 'new', 2, '', ?, ?), (2, 'T2', 'N', 'n@b.vn', '', 'S', 'C', 'new', NULL, '', ?, ?)`,
			`INSERT INTO submission_notes (id, submission_id, author_id, body, created_at) VALUES (1, 1, 3, 'ghi', ?), (2, 2, 1, 'ghi', ?)`,
			`INSERT INTO webhooks (id, url, events, secret, active, created_at, updated_at) VALUES (1, 'https://x.vn', '[]', 's', true, ?, ?), (2, 'https://y.vn', '[]', 's', true, ?, ?)`,
			`INSERT INTO webhook_events (id, type, data, fanned_out, created_at) VALUES (1, 'ping', '{}', true, ?), (2, 'ping', '{}', true, ?)`,
			`INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, attempts, next_attempt_at, last_error, created_at)
				VALUES (1, 1, 1, 'pending', 1, ?, '', ?), (2, 2, 2, 'pending', 0, ?, '', ?)`,
			`INSERT INTO webhook_attempts (id, delivery_id, number, attempted_at, error, response_ms) VALUES (1, 1, 1, ?, '', 1)`,
		)
		refused := func(stmt string) {
			t.Helper()
			// SQLite reports ON DELETE RESTRICT as a trigger's error, with the foreign key's message.
			err := db.Exec(stmt).Error
			if !errors.Is(err, gorm.ErrForeignKeyViolated) && (err == nil || !strings.Contains(err.Error(), "FOREIGN KEY constraint failed")) {
				t.Errorf("%s = %v, want a foreign key violation", stmt, err)
			}
		}
		left := func(query string, want int64) {
			t.Helper()
			if got := count(t, db, query); got != want {
				t.Errorf("%s = %d, want %d", query, got, want)
			}
		}
		// RESTRICT
		refused(`DELETE FROM categories WHERE id = 1`) // a sub-category
		refused(`DELETE FROM categories WHERE id = 3`) // an article
		refused(`DELETE FROM users WHERE id = 1`)      // an article's author
		refused(`DELETE FROM users WHERE id = 3`)      // a note's author
		refused(`DELETE FROM media WHERE id = 1`)      // linked
		refused(`DELETE FROM media WHERE id = 2`)      // a cover
		// and no reference to nothing
		refused(`INSERT INTO article_tags (article_id, tag_id, position) VALUES (99, 1, 1)`)
		refused(`UPDATE articles SET category_id = 99 WHERE id = 1`)
		refused(`INSERT INTO media_links (media_id, owner_type, owner_id, role, position) VALUES (99, 'article', 1, 'cover', 0)`)

		// SET NULL and CASCADE through a user: the session and its token go, the rest stays.
		execs(t, db, `DELETE FROM users WHERE id = 2`)
		left(`SELECT COUNT(*) FROM sessions`, 0)
		left(`SELECT COUNT(*) FROM refresh_tokens`, 0)
		left(`SELECT COUNT(*) FROM audit_log WHERE actor_id IS NULL`, 1)
		left(`SELECT COUNT(*) FROM media WHERE uploaded_by IS NULL`, 2)
		left(`SELECT COUNT(*) FROM article_revisions WHERE actor_id IS NULL`, 1)
		left(`SELECT COUNT(*) FROM submissions WHERE assignee_id IS NULL`, 2)

		// CASCADE of an article's tags and revisions, from either side.
		execs(t, db, `DELETE FROM tags WHERE id = 1`)
		left(`SELECT COUNT(*) FROM article_tags`, 1)
		execs(t, db, `DELETE FROM articles WHERE id = 1`)
		left(`SELECT COUNT(*) FROM article_tags`, 0)
		left(`SELECT COUNT(*) FROM article_revisions`, 0)
		// With nothing referencing them, the parents refused above can go.
		execs(t, db, `DELETE FROM categories WHERE id = 2`, `DELETE FROM categories WHERE id IN (1, 3)`, `DELETE FROM media WHERE id = 2`)

		execs(t, db, `DELETE FROM submissions WHERE id = 1`)
		left(`SELECT COUNT(*) FROM submission_notes`, 1)

		execs(t, db, `DELETE FROM webhooks WHERE id = 1`)
		left(`SELECT COUNT(*) FROM webhook_deliveries`, 1)
		left(`SELECT COUNT(*) FROM webhook_attempts`, 0)
		execs(t, db, `DELETE FROM webhook_events WHERE id = 2`)
		left(`SELECT COUNT(*) FROM webhook_deliveries`, 0)
		checkForeignKeysOn(t, db)
	})
}
