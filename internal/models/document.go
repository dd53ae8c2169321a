package models

import "github.com/toasoan/toasoan/internal/search"

// DocumentType is one entry of the managed list of kinds of official documents (Nghị quyết,
// Quyết định, …). Code is what a document number carries for the type, NQ in 12/NQ-MTTW; the
// công văn has none ("").
type DocumentType struct {
	ID       int64  `json:"id" gorm:"primaryKey"`
	Name     string `json:"name" example:"Nghị quyết"`
	Code     string `json:"code" example:"NQ"`
	Position int    `json:"position" example:"1"`
} // @name DocumentType

// Matches reports whether value names this type: its name or its code, ignoring case and
// diacritics, so "nghi quyet", "NQ" and "qd" (for QĐ) all work in a search filter.
func (t DocumentType) Matches(value string) bool {
	v := search.Fold(value)
	return v != "" && (v == search.Fold(t.Name) || v == search.Fold(t.Code))
}
