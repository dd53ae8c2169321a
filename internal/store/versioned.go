package store

import (
	"context"
	"fmt"
	"reflect"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// updateVersioned applies updates to the row of model with the given id only if its version is
// still the one the client read, and bumps the version, in a single UPDATE: of two concurrent
// writers with the same version exactly one wins. Zero rows means the row is gone (not found)
// or was changed meanwhile (version_mismatch, with the current version).
func updateVersioned(tx *gorm.DB, model any, what string, id int64, version int, updates map[string]any) error {
	updates["version"] = gorm.Expr("version + 1")
	res := tx.Model(model).Where("id = ? AND version = ?", id, version).Updates(updates)
	if res.Error != nil {
		if isDuplicate(res.Error) {
			return models.Conflict("another item already has this slug or number")
		}
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var current int
	err := tx.Model(model).Where("id = ?", id).Pluck("version", &current).Error
	if err != nil {
		return err
	}
	if current == 0 {
		return models.NotFound(what)
	}
	return models.VersionMismatch(current)
}

// lockAt reads the row of id into dst (a pointer to a model with a Version field), locked for
// the rest of the transaction, and checks that it is still at the version the client read.
func (s *Store) lockAt(tx *gorm.DB, dst any, what string, id int64, version int) error {
	if err := s.locking(tx).Take(dst, id).Error; err != nil {
		return notFound(err, what)
	}
	if current := int(reflect.ValueOf(dst).Elem().FieldByName("Version").Int()); current != version {
		return models.VersionMismatch(current)
	}
	return nil
}

// deleteVersioned deletes the row only at the version the client read.
func deleteVersioned(tx *gorm.DB, model any, what string, id int64, version int) error {
	res := tx.Where("id = ? AND version = ?", id, version).Delete(model)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var current int
	if err := tx.Model(model).Where("id = ?", id).Pluck("version", &current).Error; err != nil {
		return err
	}
	if current == 0 {
		return models.NotFound(what)
	}
	return models.VersionMismatch(current)
}

// versionedTables are the tables of the versioned items other than articles (whose version is
// read with the caller's access), by the name errors give them.
var versionedTables = map[string]string{
	"announcement": "announcements", "category": "categories", "document": "documents",
	"document type": "document_types", "search abbreviation": "search_abbreviations", "submission": "submissions", "tag": "tags", "user": "users",
	"webhook": "webhooks",
}

// CurrentVersion is an item's version, for the 428 that tells a client without If-Match which
// version to send. what is the item's kind as errors name it ("document type").
func (s *Store) CurrentVersion(ctx context.Context, what string, id int64) (int, error) {
	table, ok := versionedTables[what]
	if !ok {
		return 0, fmt.Errorf("store: %q has no version", what)
	}
	var versions []int
	if err := s.db.WithContext(ctx).Table(table).Where("id = ?", id).Pluck("version", &versions).Error; err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		return 0, models.NotFound(what)
	}
	return versions[0], nil
}
