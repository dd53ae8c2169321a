package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0126SearchExactTitle indexes the folded titles of every entry for equality: public search
// ranks an item whose title is exactly the query first, however old, so it looks such items up
// by title beside the newest matches it scores. A hash index on PostgreSQL (equality is all it
// answers, and a long title never exceeds a B-tree key), a plain one on SQLite.
var m0126SearchExactTitle = &gormigrate.Migration{
	ID: "0126_search_exact_title",
	Migrate: func(tx *gorm.DB) error {
		using := ""
		if tx.Dialector.Name() == "postgres" {
			using = " USING HASH"
		}
		return tx.Exec(`CREATE INDEX search_index_title_exact ON search_index` + using + ` (title_folded)`).Error
	},
}
