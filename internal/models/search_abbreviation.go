package models

import "github.com/toasoan/toasoan/internal/search"

// SearchAbbreviation is one entry of the managed list of abbreviations search expands: UBND
// finds "Ủy ban nhân dân" and the other way round. Key and LongFolded are derived (the folded
// abbreviation without separators, and the folded long form); the pair is unique.
type SearchAbbreviation struct {
	ID              int64 `gorm:"primaryKey"`
	Abbreviation    string
	LongForm        string
	AbbreviationKey string
	LongFolded      string
	Version         int `gorm:"not null;default:1"`
}

// Entry is the abbreviation as the search package takes it.
func (a SearchAbbreviation) Entry() search.Abbreviation {
	return search.Abbreviation{Short: a.Abbreviation, Long: a.LongForm}
}
