package store

import (
	"errors"
	"strings"

	"github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
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

// isForeignKey reports a write refused by a foreign key on either dialect: a reference to a
// row that does not exist, or the deletion of a row that others reference (ON DELETE RESTRICT).
// SQLite reports the latter as a trigger's constraint error, which GORM does not translate; its
// message is the foreign key's.
func isForeignKey(err error) bool {
	var sqliteErr *sqlite.Error
	return errors.Is(err, gorm.ErrForeignKeyViolated) ||
		errors.As(err, &sqliteErr) && strings.Contains(sqliteErr.Error(), "FOREIGN KEY constraint failed")
}

// violatedConstraint names the constraint of a PostgreSQL error; SQLite names none ("").
func violatedConstraint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

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
