package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0070ArticleViews separates the views counted from the views shown, and keeps them per day.
//
// articles.view_count stays the exact count the view flush adds to every few seconds;
// shown_view_count is what public bodies show and sort by, copied from it by a worker every
// TOASOAN_VIEW_COUNT_REFRESH, so a flush never changes a public body or its ETag. The public
// views index moves to the shown count.
//
// article_views_daily holds the views of each article per newsroom day (Asia/Ho_Chi_Minh), for
// the most-read lists over a day, a week or a month: views as counted, shown_views as last
// refreshed. day is a DATE on PostgreSQL and its YYYY-MM-DD text on SQLite, which both compare
// in calendar order. The key leads with day, so a window is one range read.
var m0070ArticleViews = &gormigrate.Migration{
	ID: "0070_article_views",
	Migrate: func(tx *gorm.DB) error {
		for _, stmt := range []string{
			`ALTER TABLE articles ADD COLUMN shown_view_count BIGINT NOT NULL DEFAULT 0`,
			`UPDATE articles SET shown_view_count = view_count`,
			`DROP INDEX articles_public_views`,
			`CREATE INDEX articles_public_views ON articles (shown_view_count DESC, published_at DESC, id DESC) WHERE status IN ('published', 'scheduled')`,
			`CREATE TABLE article_views_daily (
				day DATE NOT NULL,
				article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
				views BIGINT NOT NULL DEFAULT 0,
				shown_views BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (day, article_id)
			)`,
			`CREATE INDEX idx_article_views_daily_article_id ON article_views_daily (article_id)`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
