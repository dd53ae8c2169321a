package store

import (
	"context"
	"strconv"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Search expands abbreviations at query time only: the index keeps the text as written
// (folded), and a query word that is an abbreviation or a long form of the managed list is
// looked for in every form of it (search.ParseQuery). So an edit of the list takes effect at the
// next search, with nothing to re-index: each write purges surrogate.Abbreviations, which drops
// the dictionary from every process's memo and every cached search response.

// SearchAbbreviations lists the managed abbreviations, by abbreviation then long form.
func (s *Store) SearchAbbreviations(ctx context.Context) ([]models.SearchAbbreviation, error) {
	var out []models.SearchAbbreviation
	err := s.db.WithContext(ctx).Order("abbreviation_key, long_folded, id").Find(&out).Error
	return out, err
}

// SearchAbbreviationByID finds an abbreviation.
func (s *Store) SearchAbbreviationByID(ctx context.Context, id int64) (models.SearchAbbreviation, error) {
	var a models.SearchAbbreviation
	err := s.db.WithContext(ctx).Take(&a, id).Error
	return a, notFound(err, "search abbreviation")
}

// Abbreviations is the dictionary search expands queries with, from the memo (dropped by every
// write of the list, in any process).
func (s *Store) Abbreviations(ctx context.Context) (*search.Abbreviations, error) {
	return memoized(ctx, s, "search-abbreviations", []string{surrogate.Abbreviations}, s.Now(), false,
		func() (*search.Abbreviations, error) {
			list, err := s.SearchAbbreviations(ctx)
			entries := make([]search.Abbreviation, len(list))
			for i, a := range list {
				entries[i] = a.Entry()
			}
			return search.NewAbbreviations(entries), err
		})
}

// ParseSearch is the query search runs for a text: search.ParseQuery with the managed
// abbreviations.
func (s *Store) ParseSearch(ctx context.Context, text string) (search.Query, error) {
	abbr, err := s.Abbreviations(ctx)
	if err != nil {
		return search.Query{}, err
	}
	return search.ParseQuery(text, abbr), nil
}

// SearchAbbreviationInput is a new abbreviation.
type SearchAbbreviationInput struct {
	Abbreviation string
	LongForm     string
}

// CreateSearchAbbreviation adds an abbreviation at version 1. The same abbreviation (ignoring
// case, diacritics, dots and hyphens) with the same long form (ignoring case and diacritics) is a
// conflict.
func (s *Store) CreateSearchAbbreviation(ctx context.Context, actor Actor, in SearchAbbreviationInput) (models.SearchAbbreviation, error) {
	a, err := newSearchAbbreviation(in.Abbreviation, in.LongForm)
	if err != nil {
		return a, err
	}
	err = s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := checkAbbreviationClash(tx, a); err != nil {
			return Audit{}, err
		}
		if err := abbreviationDuplicate(tx.Create(&a).Error); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Abbreviations)
		return abbreviationAudit("search_abbreviation.create", a), nil
	})
	return a, err
}

// SearchAbbreviationPatch holds the fields to change; nil means unchanged.
type SearchAbbreviationPatch struct {
	Abbreviation *string
	LongForm     *string
}

// UpdateSearchAbbreviation changes an abbreviation at the version the client read.
func (s *Store) UpdateSearchAbbreviation(ctx context.Context, actor Actor, id int64, version int, p SearchAbbreviationPatch) (models.SearchAbbreviation, error) {
	var a models.SearchAbbreviation
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &a, "search abbreviation", id, version); err != nil {
			return Audit{}, err
		}
		short, long := a.Abbreviation, a.LongForm
		setValue(&short, p.Abbreviation, nil)
		setValue(&long, p.LongForm, nil)
		next, err := newSearchAbbreviation(short, long)
		if err != nil {
			return Audit{}, err
		}
		next.ID, next.Version = id, version+1
		if err := checkAbbreviationClash(tx, next); err != nil {
			return Audit{}, err
		}
		err = updateVersioned(tx, &models.SearchAbbreviation{}, "search abbreviation", id, version, map[string]any{
			"abbreviation": next.Abbreviation, "long_form": next.LongForm,
			"abbreviation_key": next.AbbreviationKey, "long_folded": next.LongFolded,
		})
		if err := abbreviationDuplicate(err); err != nil {
			return Audit{}, err
		}
		a = next
		purge(tx, surrogate.Abbreviations)
		return abbreviationAudit("search_abbreviation.update", a), nil
	})
	return a, err
}

// DeleteSearchAbbreviation removes an abbreviation at the version the client read.
func (s *Store) DeleteSearchAbbreviation(ctx context.Context, actor Actor, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var a models.SearchAbbreviation
		if err := tx.Take(&a, id).Error; err != nil {
			return Audit{}, notFound(err, "search abbreviation")
		}
		if err := deleteVersioned(tx, &models.SearchAbbreviation{}, "search abbreviation", id, version); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Abbreviations)
		return abbreviationAudit("search_abbreviation.delete", a), nil
	})
}

// newSearchAbbreviation normalises and checks an entry (invalid, naming the field) and derives
// its keys.
func newSearchAbbreviation(short, long string) (models.SearchAbbreviation, error) {
	short, long = models.CleanText(short), models.CleanText(long)
	var bad []models.FieldError
	if p := search.CheckShort(short); p != "" {
		bad = append(bad, models.FieldError{Field: "abbreviation", Message: p})
	}
	if p := search.CheckLong(long); p != "" {
		bad = append(bad, models.FieldError{Field: "long_form", Message: p})
	} else if len(bad) == 0 && search.Fold(long) == search.Fold(short) {
		bad = append(bad, models.FieldError{Field: "long_form", Message: "must differ from the abbreviation"})
	}
	if len(bad) > 0 {
		return models.SearchAbbreviation{}, models.Invalid(bad...)
	}
	return models.SearchAbbreviation{Abbreviation: short, LongForm: long, AbbreviationKey: search.AbbreviationKey(short),
		LongFolded: search.Fold(long), Version: 1}, nil
}

func checkAbbreviationClash(tx *gorm.DB, a models.SearchAbbreviation) error {
	var n int64
	err := tx.Model(&models.SearchAbbreviation{}).Where("abbreviation_key = ? AND long_folded = ? AND id <> ?",
		a.AbbreviationKey, a.LongFolded, a.ID).Count(&n).Error
	if err == nil && n > 0 {
		return models.Conflict("the abbreviation %s already stands for %s", a.Abbreviation, a.LongForm)
	}
	return err
}

// abbreviationDuplicate reports a concurrent insert of the same entry as a conflict.
func abbreviationDuplicate(err error) error {
	if isDuplicate(err) {
		return models.Conflict("this abbreviation already stands for this long form")
	}
	return err
}

func abbreviationAudit(action string, a models.SearchAbbreviation) Audit {
	return Audit{Action: action, TargetType: "search_abbreviation", TargetID: strconv.FormatInt(a.ID, 10),
		Detail: a.Abbreviation + " = " + a.LongForm}
}
