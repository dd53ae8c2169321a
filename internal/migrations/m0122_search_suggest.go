package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0122SearchSuggest indexes the folded titles of published articles for search-as-you-type
// (GET /search/suggest): a title starting with a prefix is a range of this index, LIKE 'p%'
// on PostgreSQL (text_pattern_ops compares bytes, whatever the database's collation) and
// GLOB 'p*' on SQLite (binary collation). Partial: drafts never are suggested, so they are not
// indexed.
var m0122SearchSuggest = &gormigrate.Migration{
	ID: "0122_search_suggest",
	Migrate: func(tx *gorm.DB) error {
		opclass := ""
		if tx.Dialector.Name() == "postgres" {
			opclass = " text_pattern_ops"
		}
		return tx.Exec(`CREATE INDEX search_index_title_prefix ON search_index (title_folded` + opclass +
			`) WHERE kind = 'article' AND public`).Error
	},
}
