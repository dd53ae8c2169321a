package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0040SearchIndex creates the search index: one row per searchable item (article, document,
// announcement, submission) with its text folded for Vietnamese search (no case, no
// diacritics, đ→d), kept in step by the store in the same transaction as the item itself.
// PostgreSQL searches it through a GIN-indexed tsvector over the folded text (the "simple"
// configuration, so words stay as folded); SQLite through an FTS5 table over the same text.
// Both match what search.Matches defines: whole words, the last term also as a word's start.
// Positions are stripped from the tsvectors: ranking does not use them, and smaller rows scan
// faster.
var m0040SearchIndex = &gormigrate.Migration{
	ID: "0040_search_index",
	Migrate: func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			return execAll(tx,
				`CREATE TABLE search_index (
					id BIGSERIAL PRIMARY KEY,
					kind VARCHAR(20) NOT NULL,
					item_id BIGINT NOT NULL,
					slug VARCHAR(255) NOT NULL DEFAULT '',
					title TEXT NOT NULL,
					body TEXT NOT NULL DEFAULT '',
					title_folded TEXT NOT NULL,
					body_folded TEXT NOT NULL DEFAULT '',
					public BOOLEAN NOT NULL DEFAULT FALSE,
					public_from TIMESTAMPTZ,
					public_until TIMESTAMPTZ,
					sort_time TIMESTAMPTZ NOT NULL,
					tsv TSVECTOR GENERATED ALWAYS AS (strip(to_tsvector('simple', title_folded || ' ' || body_folded))) STORED,
					title_tsv TSVECTOR GENERATED ALWAYS AS (strip(to_tsvector('simple', title_folded))) STORED,
					UNIQUE (kind, item_id)
				)`,
				`CREATE INDEX search_index_tsv ON search_index USING GIN (tsv)`,
				`CREATE INDEX search_index_title_tsv ON search_index USING GIN (title_tsv)`,
				`CREATE INDEX search_index_recent ON search_index (sort_time DESC, kind, item_id DESC)`,
			)
		}
		return execAll(tx,
			`CREATE TABLE search_index (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				kind TEXT NOT NULL,
				item_id INTEGER NOT NULL,
				slug TEXT NOT NULL DEFAULT '',
				title TEXT NOT NULL,
				body TEXT NOT NULL DEFAULT '',
				title_folded TEXT NOT NULL,
				body_folded TEXT NOT NULL DEFAULT '',
				public NUMERIC NOT NULL DEFAULT 0,
				public_from DATETIME,
				public_until DATETIME,
				sort_time DATETIME NOT NULL,
				UNIQUE (kind, item_id)
			)`,
			// The order of a search's results, so a page of a common word is read, not sorted.
			`CREATE INDEX search_index_recent ON search_index (sort_time DESC, kind, item_id DESC)`,
			// An external-content FTS5 table over the folded columns; the triggers keep it in step.
			`CREATE VIRTUAL TABLE search_fts USING fts5(title_folded, body_folded, content='search_index', content_rowid='id')`,
			`CREATE TRIGGER search_index_ai AFTER INSERT ON search_index BEGIN
				INSERT INTO search_fts(rowid, title_folded, body_folded) VALUES (new.id, new.title_folded, new.body_folded);
			END`,
			`CREATE TRIGGER search_index_ad AFTER DELETE ON search_index BEGIN
				INSERT INTO search_fts(search_fts, rowid, title_folded, body_folded) VALUES ('delete', old.id, old.title_folded, old.body_folded);
			END`,
			`CREATE TRIGGER search_index_au AFTER UPDATE ON search_index BEGIN
				INSERT INTO search_fts(search_fts, rowid, title_folded, body_folded) VALUES ('delete', old.id, old.title_folded, old.body_folded);
				INSERT INTO search_fts(rowid, title_folded, body_folded) VALUES (new.id, new.title_folded, new.body_folded);
			END`,
		)
	},
}

// execAll runs statements in order, stopping at the first error.
func execAll(tx *gorm.DB, statements ...string) error {
	for _, s := range statements {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}
