package store

import (
	"errors"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// notFound turns GORM's "no row" into the domain's not_found for the named thing.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.NotFound(what)
	}
	return err
}

// isDuplicate reports a unique-constraint violation on either dialect.
func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// likeEscape escapes LIKE wildcards so user text matches literally (used with ESCAPE '\').
func likeEscape(s string) string {
	r := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '%' || c == '_' || c == '\\' {
			r = append(r, '\\')
		}
		r = append(r, c)
	}
	return string(r)
}
