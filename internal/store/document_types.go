package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// DocumentTypes lists the document types in display order.
func (s *Store) DocumentTypes(ctx context.Context) ([]models.DocumentType, error) {
	var out []models.DocumentType
	err := s.db.WithContext(ctx).Order("position, id").Find(&out).Error
	return out, err
}

// CreateDocumentType adds a type; without a position it goes last. A name or code that another
// type has, ignoring case and diacritics, is a conflict.
func (s *Store) CreateDocumentType(ctx context.Context, t *models.DocumentType, position *int) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkDocumentTypeClash(tx, *t); err != nil {
			return err
		}
		if position != nil {
			t.Position = *position
		} else if err := tx.Model(&models.DocumentType{}).Select("COALESCE(MAX(position), 0) + 1").Scan(&t.Position).Error; err != nil {
			return err
		}
		return documentTypeDuplicate(tx.Create(t).Error)
	})
}

// DocumentTypePatch holds the fields of a type to change; nil means unchanged.
type DocumentTypePatch struct {
	Name     *string
	Code     *string
	Position *int
}

// UpdateDocumentType changes a type. Renaming is free (documents refer to the type by id), but
// the documents of the type are searched by its name too, so they are re-indexed with it.
func (s *Store) UpdateDocumentType(ctx context.Context, id int64, p DocumentTypePatch) (models.DocumentType, error) {
	var t models.DocumentType
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.locking(tx).Take(&t, id).Error; err != nil {
			return notFound(err, "document type")
		}
		renamed := p.Name != nil && *p.Name != t.Name
		if p.Name != nil {
			t.Name = *p.Name
		}
		if p.Code != nil && *p.Code != t.Code {
			// Documents of the type were checked against its code; a new code would contradict
			// the numbers of those that carry it.
			var carrying int64
			err := tx.Model(&models.Document{}).Where("type_id = ? AND number_type_code <> ''", id).Count(&carrying).Error
			if err != nil {
				return err
			}
			if carrying > 0 {
				return models.Conflict("%d documents of this type carry the code %s in their numbers", carrying, t.Code)
			}
			t.Code = *p.Code
		}
		if p.Position != nil {
			t.Position = *p.Position
		}
		if err := checkDocumentTypeClash(tx, t); err != nil {
			return err
		}
		if err := documentTypeDuplicate(tx.Save(&t).Error); err != nil || !renamed {
			return err
		}
		var docs []models.Document
		if err := tx.Where("type_id = ?", id).Find(&docs).Error; err != nil {
			return err
		}
		for _, d := range docs {
			d.Type = t
			if err := indexSearch(tx, documentSearchEntry(d)); err != nil {
				return err
			}
		}
		return nil
	})
	return t, err
}

// DeleteDocumentType removes a type that no document has (conflict otherwise).
func (s *Store) DeleteDocumentType(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var used int64
		if err := tx.Model(&models.Document{}).Where("type_id = ?", id).Count(&used).Error; err != nil {
			return err
		}
		if used > 0 {
			return models.Conflict("%d documents are of this type; give them another type first", used)
		}
		res := tx.Delete(&models.DocumentType{}, id)
		if isForeignKey(res.Error) { // a document added meanwhile
			return models.Conflict("documents are of this type; give them another type first")
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.NotFound("document type")
		}
		return nil
	})
}

// checkDocumentTypeClash refuses a name or code that folds to another type's, so that a search
// filter by name or code (DocumentType.Matches) names exactly one type.
func checkDocumentTypeClash(tx *gorm.DB, t models.DocumentType) error {
	var others []models.DocumentType
	if err := tx.Where("id <> ?", t.ID).Find(&others).Error; err != nil {
		return err
	}
	for _, o := range others {
		if o.Matches(t.Name) {
			return models.Conflict("the document type %s already exists", o.Name)
		}
		if t.Code != "" && o.Matches(t.Code) {
			return models.Conflict("the code %s already names the document type %s", t.Code, o.Name)
		}
	}
	return nil
}

// documentTypeDuplicate reports a concurrent insert of the same name or code as a conflict.
func documentTypeDuplicate(err error) error {
	if isDuplicate(err) {
		return models.Conflict("a document type with this name or code already exists")
	}
	return err
}
