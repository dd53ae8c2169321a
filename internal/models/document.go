package models

import (
	"fmt"
	"strings"
	"time"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/search"
)

// DocumentType is one entry of the managed list of kinds of official documents (Nghị quyết,
// Quyết định, …). Code is what a document number carries for the type, NQ in 12/NQ-MTTW; the
// công văn has none ("").
type DocumentType struct {
	ID       int64 `gorm:"primaryKey"`
	Name     string
	Code     string
	Position int
	Version  int `gorm:"not null;default:1"`
}

// Matches reports whether value names this type: its name or its code, ignoring case and
// diacritics, so "nghi quyet", "NQ" and "qd" (for QĐ) all work in a search filter.
func (t DocumentType) Matches(value string) bool {
	v := search.Fold(value)
	return v != "" && (v == search.Fold(t.Name) || v == search.Fold(t.Code))
}

// Document is an official document ("văn bản") of the registry. The number ("số ký hiệu") is
// kept in canonical form and split into its parts, for the search filters.
type Document struct {
	ID               int64 `gorm:"primaryKey"`
	Number           string
	NumberKey        string // the number upper-cased: unique per issuer
	NumberSequence   int
	NumberYear       *int   // the year written in the number, if any
	NumberTypeCode   string // canonical (QĐ), "" when the number has none
	NumberIssuerCode string // upper-cased, for matching (IssuerCode is the form shown)
	Title            string // trích yếu
	TypeID           int64
	Type             DocumentType `gorm:"foreignKey:TypeID"`
	Issuer           string
	Signer           string
	Field            string
	IssuedOn         Date
	EffectiveOn      Date
	ExpiresOn        *Date
	Status           string
	Version          int
	TrashedAt        *time.Time // in the trash since, by TrashedByID (a draft while there); nil: not in it
	TrashedByID      *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Attachments      []Media `gorm:"-"` // filled by the store, in position order
}

// SetNumber records a parsed number: the canonical form shown, and its parts for filtering.
func (d *Document) SetNumber(p docnumber.Parts) {
	d.Number = p.Canonical()
	d.NumberKey = strings.ToUpper(d.Number)
	d.NumberSequence = p.Sequence
	d.NumberYear = nil
	if p.Year != 0 {
		year := p.Year
		d.NumberYear = &year
	}
	d.NumberTypeCode = p.TypeCode
	d.NumberIssuerCode = strings.ToUpper(p.IssuerCode)
}

// IssuerCode is the issuer code as the canonical number writes it (TTg keeps its case, which
// NumberIssuerCode, the key numbers are matched by, does not).
func (d Document) IssuerCode() string {
	if p, err := docnumber.Parse(d.Number); err == nil {
		return p.IssuerCode
	}
	return d.NumberIssuerCode
}

// Problems lists what is wrong across fields: dates out of order, and a number whose type code
// is not the code of the document's type (Type must be loaded).
func (d Document) Problems() []FieldError {
	var out []FieldError
	if d.EffectiveOn.Before(d.IssuedOn) {
		out = append(out, FieldError{Field: "effective_on", Message: "must not be before issued_on"})
	}
	if d.ExpiresOn != nil && !d.EffectiveOn.Before(*d.ExpiresOn) {
		out = append(out, FieldError{Field: "expires_on", Message: "must be after effective_on"})
	}
	if d.NumberTypeCode != "" && search.Fold(d.NumberTypeCode) != search.Fold(d.Type.Code) {
		out = append(out, FieldError{Field: "number", Message: fmt.Sprintf(
			"carries the type code %s, which is not the code of %s (%q)", d.NumberTypeCode, d.Type.Name, d.Type.Code)})
	}
	return out
}

// FacetCount is how many documents have one value of a facet.
type FacetCount struct {
	Value string `json:"value" example:"Nghị quyết"`
	Count int64  `json:"count" example:"12"`
} // @name FacetCount

// DocumentFacets counts the documents of a search by type, issuer and year of issue. Each is
// counted over every filter of the search but its own, so a search form can show how many
// documents each other choice would give.
type DocumentFacets struct {
	Type   []FacetCount `json:"type"`
	Issuer []FacetCount `json:"issuer"`
	Year   []FacetCount `json:"year"`
} // @name DocumentFacets
