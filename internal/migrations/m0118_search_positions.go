package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0118SearchPositions keeps word positions in PostgreSQL's tsvectors, which m0040 stripped:
// phrase queries (<->) need them. The tsvector of the whole item weighs the title's words A and
// the body's C, so that a phrase is looked for within the title or within the body, never
// across the two (as SQLite's FTS5 looks for it within one column). SQLite needs nothing: FTS5
// keeps positions.
var m0118SearchPositions = &gormigrate.Migration{
	ID: "0118_search_positions",
	Migrate: func(tx *gorm.DB) error {
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		return execAll(tx,
			`ALTER TABLE search_index DROP COLUMN tsv, DROP COLUMN title_tsv`,
			`ALTER TABLE search_index
				ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (setweight(to_tsvector('simple', title_folded), 'A') || setweight(to_tsvector('simple', body_folded), 'C')) STORED,
				ADD COLUMN title_tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', title_folded)) STORED`,
			`CREATE INDEX search_index_tsv ON search_index USING GIN (tsv)`,
			`CREATE INDEX search_index_title_tsv ON search_index USING GIN (title_tsv)`,
		)
	},
}
