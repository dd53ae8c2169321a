package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
)

// m0117SearchAbbreviations creates the managed list of abbreviations search expands (UBND and
// "Ủy ban nhân dân" find each other), seeded with the dictionary shipped in
// internal/search/abbreviations.tsv as it is when the migration runs. An entry is unique by its
// key (the folded abbreviation without dots or hyphens: TP.HCM and TPHCM are one) and its folded
// long form; an abbreviation may have several long forms and a long form several abbreviations.
var m0117SearchAbbreviations = &gormigrate.Migration{
	ID: "0117_search_abbreviations",
	Migrate: func(tx *gorm.DB) error {
		type searchAbbreviation struct {
			ID              int64  `gorm:"primaryKey"`
			Abbreviation    string `gorm:"size:20;not null"`
			LongForm        string `gorm:"size:200;not null"`
			AbbreviationKey string `gorm:"size:100;not null;uniqueIndex:idx_search_abbreviations_key_long,priority:1"`
			LongFolded      string `gorm:"size:200;not null;uniqueIndex:idx_search_abbreviations_key_long,priority:2"`
			Version         int    `gorm:"not null;default:1"`
		}
		if err := tx.Table("search_abbreviations").AutoMigrate(&searchAbbreviation{}); err != nil {
			return err
		}
		var seed []searchAbbreviation
		for _, a := range search.ShippedAbbreviations() {
			seed = append(seed, searchAbbreviation{Abbreviation: a.Short, LongForm: a.Long,
				AbbreviationKey: search.AbbreviationKey(a.Short), LongFolded: search.Fold(a.Long), Version: 1})
		}
		return tx.Table("search_abbreviations").Create(&seed).Error
	},
}
