package migrations

import (
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/search"
)

// m0041SearchBackfill fills the search index with the items that existed before it: articles,
// announcements, documents and submissions, folded as the store folds them on every write.
// Rows are read a batch at a time, so a large site migrates in bounded memory.
var m0041SearchBackfill = &gormigrate.Migration{
	ID: "0041_search_backfill",
	Migrate: func(tx *gorm.DB) error {
		type entry struct {
			Kind        string
			ItemID      int64
			Slug        string
			Title       string
			Body        string
			TitleFolded string
			BodyFolded  string
			Public      bool
			PublicFrom  *time.Time
			PublicUntil *time.Time
			SortTime    time.Time
		}
		type source struct {
			ID          int64
			Slug        string
			Title       string
			Body        string
			Published   bool
			PublicFrom  *time.Time
			PublicUntil *time.Time
			SortTime    time.Time
			SortDay     string
		}
		sources := []struct {
			kind, query string
			html        bool
		}{
			{"article", `SELECT id, slug, title, COALESCE(summary, '') || ' ' || COALESCE(body, '') AS body,
				status IN ('published', 'scheduled') AND published_at IS NOT NULL AS published,
				published_at AS public_from, created_at AS sort_time
				FROM articles WHERE id > ? ORDER BY id LIMIT ?`, true},
			{"announcement", `SELECT id, slug, title, body, status = 'published' AS published,
				starts_at AS public_from, ends_at AS public_until, starts_at AS sort_time
				FROM announcements WHERE id > ? ORDER BY id LIMIT ?`, true},
			{"document", `SELECT d.id, d.number || ' ' || d.title AS title,
				t.name || ' · ' || d.issuer || ' · ' || d.signer || ' · ' || d.field AS body,
				d.status = 'published' AS published, CAST(d.issued_on AS TEXT) AS sort_day
				FROM documents d JOIN document_types t ON t.id = d.type_id WHERE d.id > ? ORDER BY d.id LIMIT ?`, false},
			{"submission", `SELECT id, subject AS title,
				content || ' ' || name || ' ' || email || ' ' || tracking_code AS body, created_at AS sort_time
				FROM submissions WHERE id > ? ORDER BY id LIMIT ?`, false},
		}
		const batch = 500
		for _, src := range sources {
			for after := int64(0); ; {
				var rows []source
				if err := tx.Raw(src.query, after, batch).Scan(&rows).Error; err != nil {
					return err
				}
				if len(rows) == 0 {
					break
				}
				entries := make([]entry, len(rows))
				for i, r := range rows {
					body := r.Body
					if src.html {
						body = strings.TrimSpace(search.StripHTML(body))
					}
					sortTime := r.SortTime
					if r.PublicFrom != nil && src.kind == "article" {
						sortTime = *r.PublicFrom // an article sorts by its publication time
					}
					if r.SortDay != "" {
						sortTime, _ = time.Parse(time.DateOnly, r.SortDay[:min(len(r.SortDay), 10)])
					}
					e := entry{Kind: src.kind, ItemID: r.ID, Slug: r.Slug, Title: r.Title, Body: body,
						TitleFolded: search.Fold(r.Title), BodyFolded: search.Fold(body),
						Public: r.Published, SortTime: sortTime.UTC()}
					if r.Published {
						e.PublicFrom, e.PublicUntil = r.PublicFrom, r.PublicUntil
					}
					entries[i] = e
				}
				err := tx.Table("search_index").Clauses(clause.OnConflict{DoNothing: true}).Create(&entries).Error
				if err != nil {
					return err
				}
				after = rows[len(rows)-1].ID
			}
		}
		return nil
	},
}
