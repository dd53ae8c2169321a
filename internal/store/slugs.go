package store

import (
	"slices"
	"strconv"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
)

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
