package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0121SearchVocabulary creates the vocabulary of the search index, the words "did you mean"
// corrects to: each folded word of the items the public can see, with the number of them that
// hold it (store.RebuildSearchVocabulary fills it, at start-up and then periodically). The
// candidates for a typo are words of the same first or last letter (head, tail) and about its
// length, and on PostgreSQL also the words most similar by trigrams, through pg_trgm's index:
// production must allow pg_trgm (CREATE EXTENSION needs a role that may create it, or the
// extension made beforehand by one). Words compare as bytes (COLLATE "C" on PostgreSQL, SQLite's
// binary collation), so the words starting with a prefix are a range of the primary key.
var m0121SearchVocabulary = &gormigrate.Migration{
	ID: "0121_search_vocabulary",
	Migrate: func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			return execAll(tx,
				`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
				`CREATE TABLE search_vocabulary (
					word VARCHAR(40) COLLATE "C" PRIMARY KEY,
					head VARCHAR(4) NOT NULL,
					tail VARCHAR(4) NOT NULL,
					length INTEGER NOT NULL,
					doc_count BIGINT NOT NULL
				)`,
				`CREATE INDEX search_vocabulary_trgm ON search_vocabulary USING GIN (word gin_trgm_ops)`,
				`CREATE INDEX search_vocabulary_head ON search_vocabulary (head, length)`,
				`CREATE INDEX search_vocabulary_tail ON search_vocabulary (tail, length)`,
			)
		}
		return execAll(tx,
			`CREATE TABLE search_vocabulary (
				word TEXT PRIMARY KEY,
				head TEXT NOT NULL,
				tail TEXT NOT NULL,
				length INTEGER NOT NULL,
				doc_count INTEGER NOT NULL
			)`,
			`CREATE INDEX search_vocabulary_head ON search_vocabulary (head, length)`,
			`CREATE INDEX search_vocabulary_tail ON search_vocabulary (tail, length)`,
		)
	},
}
