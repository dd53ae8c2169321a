package store

import (
	"context"
	"strconv"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// DocumentTypes lists the document types in display order.
func (s *Store) DocumentTypes(ctx context.Context) ([]models.DocumentType, error) {
	var out []models.DocumentType
	err := s.db.WithContext(ctx).Order("position, id").Find(&out).Error
	return out, err
}

// DocumentTypeByID finds a document type.
func (s *Store) DocumentTypeByID(ctx context.Context, id int64) (models.DocumentType, error) {
	var t models.DocumentType
	err := s.db.WithContext(ctx).Take(&t, id).Error
	return t, notFound(err, "document type")
}

// DocumentTypeInput is a new document type.
type DocumentTypeInput struct {
	Name     string
	Code     string // "" when numbers carry no type code
	Position *int   // nil: last
}

// CreateDocumentType adds a type at version 1. A name or code that another type has, ignoring
// case and diacritics, is a conflict.
func (s *Store) CreateDocumentType(ctx context.Context, actor Actor, in DocumentTypeInput) (models.DocumentType, error) {
	t := models.DocumentType{Name: models.CleanText(in.Name), Code: models.CleanText(in.Code), Version: 1}
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := checkDocumentTypeClash(tx, t); err != nil {
			return Audit{}, err
		}
		if in.Position != nil {
			t.Position = *in.Position
		} else if err := tx.Model(&models.DocumentType{}).Select("COALESCE(MAX(position), 0) + 1").Scan(&t.Position).Error; err != nil {
			return Audit{}, err
		}
		if err := documentTypeDuplicate(tx.Create(&t).Error); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.DocumentTypes)
		return documentTypeAudit("document_type.create", t.ID, t.Name), nil
	})
	return t, err
}

// DocumentTypePatch holds the fields of a type to change; nil means unchanged.
type DocumentTypePatch struct {
	Name     *string
	Code     *string
	Position *int
}

// UpdateDocumentType changes a type at the version the client read. Renaming is free (documents
// refer to the type by id), but the documents of the type are searched by its name too, so they
// are re-indexed with it. A new code is refused while document numbers carry the old one.
func (s *Store) UpdateDocumentType(ctx context.Context, actor Actor, id int64, version int, p DocumentTypePatch) (models.DocumentType, error) {
	var t models.DocumentType
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &t, "document type", id, version); err != nil {
			return Audit{}, err
		}
		oldName, oldCode := t.Name, t.Code
		setValue(&t.Name, p.Name, models.CleanText)
		setValue(&t.Code, p.Code, models.CleanText)
		setValue(&t.Position, p.Position, nil)
		if t.Code != oldCode {
			var carrying int64
			err := tx.Model(&models.Document{}).Where("type_id = ? AND number_type_code <> ''", id).Count(&carrying).Error
			if err != nil {
				return Audit{}, err
			}
			if carrying > 0 {
				return Audit{}, models.Conflict("%d documents of this type carry the code %s in their numbers", carrying, oldCode)
			}
		}
		if err := checkDocumentTypeClash(tx, t); err != nil {
			return Audit{}, err
		}
		err := updateVersioned(tx, &models.DocumentType{}, "document type", id, version,
			map[string]any{"name": t.Name, "code": t.Code, "position": t.Position})
		if err := documentTypeDuplicate(err); err != nil {
			return Audit{}, err
		}
		t.Version = version + 1
		if t.Name != oldName {
			var docs []models.Document
			if err := tx.Where("type_id = ?", id).Find(&docs).Error; err != nil {
				return Audit{}, err
			}
			for _, d := range docs {
				d.Type = t
				if err := indexSearch(tx, documentSearchEntry(d)); err != nil {
					return Audit{}, err
				}
				touchSync(tx, KindDocument, d.ID) // its public form names the type
			}
		}
		purge(tx, surrogate.DocumentTypes) // and every document, which names its type
		return documentTypeAudit("document_type.update", id, t.Name), nil
	})
	return t, err
}

// DeleteDocumentType removes a type that no document has (conflict otherwise), at the version
// the client read.
func (s *Store) DeleteDocumentType(ctx context.Context, actor Actor, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var used int64
		if err := tx.Model(&models.Document{}).Where("type_id = ?", id).Count(&used).Error; err != nil {
			return Audit{}, err
		}
		if used > 0 {
			return Audit{}, models.Conflict("%d documents are of this type; give them another type first", used)
		}
		err := deleteVersioned(tx, &models.DocumentType{}, "document type", id, version)
		if isForeignKey(err) { // a document added meanwhile
			return Audit{}, models.Conflict("documents are of this type; give them another type first")
		}
		if err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.DocumentTypes)
		return documentTypeAudit("document_type.delete", id, ""), nil
	})
}

func documentTypeAudit(action string, id int64, detail string) Audit {
	return Audit{Action: action, TargetType: "document_type", TargetID: strconv.FormatInt(id, 10), Detail: detail}
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
