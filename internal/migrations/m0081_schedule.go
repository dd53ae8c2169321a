package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0081Schedule lets the scheduler tell what webhook receivers were told.
//
//   - articles.announced_at: when article.published went out for the article's current
//     publication; NULL while it is a draft, pending, archived or scheduled and not yet live. The
//     scheduler announces every public article with none (FOR UPDATE SKIP LOCKED), so
//     article.published fires once, when the article goes live, never when it is scheduled.
//   - articles.unpublish_at: a scheduled take-down.
//   - announcements.announced_at: when announcement.published went out for the window that is
//     open; the scheduler clears it, with announcement.unpublished, when the window closes.
//
// Back-fill: what is public now was announced by the toasoan that published it (at scheduling
// time, for a scheduled article), so it is marked announced and nothing is sent twice. A
// scheduled article still in the future was announced too early by that toasoan; it is
// announced again when it goes live.
var m0081Schedule = &gormigrate.Migration{
	ID: "0081_schedule",
	Migrate: func(tx *gorm.DB) error {
		timestamp := "TIMESTAMPTZ"
		if tx.Dialector.Name() != "postgres" {
			timestamp = "DATETIME"
		}
		for _, stmt := range []string{
			`ALTER TABLE articles ADD COLUMN announced_at ` + timestamp,
			`ALTER TABLE articles ADD COLUMN unpublish_at ` + timestamp,
			`ALTER TABLE announcements ADD COLUMN announced_at ` + timestamp,
			`UPDATE articles SET announced_at = published_at
				WHERE status = 'published' OR (status = 'scheduled' AND published_at <= CURRENT_TIMESTAMP)`,
			`UPDATE announcements SET announced_at = starts_at
				WHERE status = 'published' AND starts_at <= CURRENT_TIMESTAMP
				AND (ends_at IS NULL OR ends_at > CURRENT_TIMESTAMP)`,
			// What the scheduler looks for, each along a small partial index.
			`CREATE INDEX articles_unannounced ON articles (published_at)
				WHERE announced_at IS NULL AND status IN ('published', 'scheduled')`,
			`CREATE INDEX articles_unpublish_at ON articles (unpublish_at) WHERE unpublish_at IS NOT NULL`,
			`CREATE INDEX announcements_unannounced ON announcements (starts_at)
				WHERE announced_at IS NULL AND status = 'published'`,
			`CREATE INDEX announcements_announced_ends ON announcements (ends_at)
				WHERE announced_at IS NOT NULL`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
