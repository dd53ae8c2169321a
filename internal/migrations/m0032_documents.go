package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// m0032Documents creates the official documents registry, with indexes for the public filters
// and a foreign key that keeps a document type from being deleted while in use.
var m0032Documents = &gormigrate.Migration{
	ID: "0032_documents",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.AutoMigrate(&m0032Document{}); err != nil {
			return err
		}
		for _, index := range []string{
			// A number is unique per issuer: provincial committees share codes such as MTTQ-BTT.
			`CREATE UNIQUE INDEX idx_documents_number ON documents (number_key, issuer)`,
			`CREATE INDEX idx_documents_public ON documents (status, issued_on DESC)`,
			`CREATE INDEX idx_documents_issuer ON documents (issuer)`,
			`CREATE INDEX idx_documents_field ON documents (field)`,
			`CREATE INDEX idx_documents_number_parts ON documents (number_issuer_code, number_sequence)`,
		} {
			if err := tx.Exec(index).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// The frozen structs of m0032 are declared at package level because they need methods.

type m0032Document struct {
	ID               int64  `gorm:"primaryKey"`
	Number           string `gorm:"size:120;not null"`
	NumberKey        string `gorm:"size:120;not null"`
	NumberSequence   int    `gorm:"not null"`
	NumberYear       *int
	NumberTypeCode   string            `gorm:"size:20;not null"`
	NumberIssuerCode string            `gorm:"size:120;not null"`
	Title            string            `gorm:"size:1000;not null"`
	TypeID           int64             `gorm:"not null;index"`
	Type             m0032DocumentType `gorm:"foreignKey:TypeID;constraint:OnUpdate:RESTRICT,OnDelete:RESTRICT"`
	Issuer           string            `gorm:"size:300;not null"`
	Signer           string            `gorm:"size:200;not null"`
	Field            string            `gorm:"size:200;not null"`
	IssuedOn         m0032Date         `gorm:"not null"`
	EffectiveOn      m0032Date         `gorm:"not null"`
	ExpiresOn        *m0032Date
	Status           string `gorm:"size:20;not null"`
	Version          int    `gorm:"not null"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (m0032Document) TableName() string { return "documents" }

// m0032DocumentType is only the target of the foreign key; m0031 made the table.
type m0032DocumentType struct {
	ID int64 `gorm:"primaryKey"`
}

func (m0032DocumentType) TableName() string { return "document_types" }

// m0032Date is a calendar day: DATE on PostgreSQL, TEXT "YYYY-MM-DD" on SQLite (which has no
// date type; that text orders and compares by day).
type m0032Date string

func (m0032Date) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "date"
	}
	return "text"
}
