package store

import (
	"slices"
	"strconv"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// slugKind is what slugFor needs to know of the items of a table.
type slugKind struct {
	table    string
	item     string // named in the conflict of a taken slug
	fallback string // the slug of a title without Latin letters or digits
}

var (
	articleSlugs  = slugKind{table: "articles", item: "article", fallback: "bai-viet"}
	categorySlugs = slugKind{table: "categories", item: "category", fallback: "chuyen-muc"}
)

// slugFor is the slug an item gets: the one asked for, which must be free (a conflict
// otherwise), or, when none is asked for, one made from the title (numbered when taken). id is
// the item's own (0 for a new one), which never takes its slug from itself.
func slugFor(tx *gorm.DB, kind slugKind, asked, title string, id int64) (string, error) {
	if asked == "" {
		return uniqueSlug(tx, kind.table, slugFrom(title, kind.fallback), id)
	}
	taken, err := slugTaken(tx, kind.table, asked, id)
	if err != nil {
		return "", err
	}
	if taken {
		return "", models.Conflict("the slug %s is already taken by another %s", asked, kind.item)
	}
	return asked, nil
}

// retryGeneratedSlug runs a create again (at most three times) when it lost a race for a slug
// it generated: another writer took the same free slug between the check and the insert.
func retryGeneratedSlug(generated bool, create func() error) error {
	err := create()
	for try := 1; try < 3 && generated && isDuplicate(err); try++ {
		err = create()
	}
	if isDuplicate(err) {
		return models.Conflict("the slug is already taken")
	}
	return err
}

// slugFrom is the slug of a title, or fallback when the title has no Latin letters or digits.
func slugFrom(title, fallback string) string {
	if slug := search.Slugify(title); slug != "" {
		return slug
	}
	return fallback
}

// uniqueSlug returns base or, when another row of table has it, the first free of base-2,
// base-3, …; except is the id of the row being renamed (0 for a new one). Candidates are
// checked ten at a time, so a common title costs one or two queries. Callers run it in the
// transaction that writes the row and retry on the rare duplicate a concurrent insert causes.
func uniqueSlug(tx *gorm.DB, table, base string, except int64) (string, error) {
	for first := 1; ; first += 10 {
		candidates := make([]string, 0, 10)
		for n := first; n < first+10; n++ {
			if n == 1 {
				candidates = append(candidates, base)
			} else {
				candidates = append(candidates, base+"-"+strconv.Itoa(n))
			}
		}
		var taken []string
		err := tx.Table(table).Where("slug IN ? AND id <> ?", candidates, except).Pluck("slug", &taken).Error
		if err != nil {
			return "", err
		}
		for _, c := range candidates {
			if !slices.Contains(taken, c) {
				return c, nil
			}
		}
	}
}

// slugTaken reports whether another row of table has the slug.
func slugTaken(tx *gorm.DB, table, slug string, except int64) (bool, error) {
	var n int64
	err := tx.Table(table).Where("slug = ? AND id <> ?", slug, except).Count(&n).Error
	return n > 0, err
}
