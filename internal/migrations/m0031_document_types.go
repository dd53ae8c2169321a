package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0031DocumentTypes creates the managed list of document types, seeded with the types of the
// Fatherland Front's registry and the codes their numbers carry.
var m0031DocumentTypes = &gormigrate.Migration{
	ID: "0031_document_types",
	Migrate: func(tx *gorm.DB) error {
		type documentType struct {
			ID       int64  `gorm:"primaryKey"`
			Name     string `gorm:"size:100;not null;uniqueIndex"`
			Code     string `gorm:"size:20;not null"`
			Position int    `gorm:"not null"`
		}
		if err := tx.Table("document_types").AutoMigrate(&documentType{}); err != nil {
			return err
		}
		// Several types may lack a code (the công văn), but a code names one type.
		if err := tx.Exec(`CREATE UNIQUE INDEX idx_document_types_code ON document_types (code) WHERE code <> ''`).Error; err != nil {
			return err
		}
		seed := []documentType{
			{Name: "Nghị quyết", Code: "NQ"},
			{Name: "Quyết định", Code: "QĐ"},
			{Name: "Chỉ thị", Code: "CT"},
			{Name: "Hướng dẫn", Code: "HD"},
			{Name: "Kế hoạch", Code: "KH"},
			{Name: "Thông báo", Code: "TB"},
			{Name: "Công văn", Code: ""},
			{Name: "Báo cáo", Code: "BC"},
			{Name: "Quy chế", Code: "QC"},
			{Name: "Chương trình", Code: "CTr"},
			{Name: "Tờ trình", Code: "TTr"},
		}
		for i := range seed {
			seed[i].Position = i + 1
		}
		return tx.Table("document_types").Create(&seed).Error
	},
}
