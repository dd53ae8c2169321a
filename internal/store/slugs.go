package store

import (
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

// uniqueSlug returns base, or the first of base-2, base-3, … that no row of table uses yet.
// Callers run it in the transaction that inserts the row and retry on the rare duplicate a
// concurrent insert causes.
func uniqueSlug(tx *gorm.DB, table, base string) (string, error) {
	var taken []string
	err := tx.Table(table).Where(`slug = ? OR slug LIKE ? ESCAPE '\'`, base, likeEscape(base)+"-%").
		Pluck("slug", &taken).Error
	if err != nil {
		return "", err
	}
	used := make(map[string]bool, len(taken))
	for _, s := range taken {
		used[s] = true
	}
	slug := base
	for n := 2; used[slug]; n++ {
		slug = base + "-" + strconv.Itoa(n)
	}
	return slug, nil
}
