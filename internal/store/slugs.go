package store

import (
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
// base-3, …; except is the id of the row being renamed (0 for a new one). Callers run it in the
// transaction that writes the row and retry on the rare duplicate a concurrent insert causes.
func uniqueSlug(tx *gorm.DB, table, base string, except int64) (string, error) {
	slugs, err := uniqueSlugs(tx, table, []string{base}, except)
	if err != nil {
		return "", err
	}
	return slugs[0], nil
}

// uniqueSlugs is uniqueSlug for several new rows written together: each base gets the first
// slug of base, base-2, base-3, … that no other row of table has and no earlier base of the list
// got, so a batch numbers its slugs as the same rows written one by one would. Candidates are
// read in windows that double (10, 20, 40, …, at most 1,000), so a common title costs a few
// queries even when hundreds of rows share it.
func uniqueSlugs(tx *gorm.DB, table string, bases []string, except int64) ([]string, error) {
	out := make([]string, len(bases))
	taken := map[string]bool{}  // slugs of the table, as read, and those given to earlier bases
	last := map[string]int{}    // base → the last number given to it in this list
	checked := map[string]int{} // base → the numbers up to which taken has been read
	windows := map[string]int{} // base → the size of its next window
	for i, base := range bases {
		for n := last[base] + 1; ; n++ {
			if n > checked[base] {
				size := min(max(2*windows[base], 10), 1000)
				windows[base] = size
				candidates := make([]string, 0, size)
				for k := n; k < n+size; k++ {
					candidates = append(candidates, numberedSlug(base, k))
				}
				var found []string
				err := tx.Table(table).Where("slug IN ? AND id <> ?", candidates, except).Pluck("slug", &found).Error
				if err != nil {
					return nil, err
				}
				for _, slug := range found {
					taken[slug] = true
				}
				checked[base] = n + size - 1
			}
			if slug := numberedSlug(base, n); !taken[slug] {
				out[i], taken[slug], last[base] = slug, true, n
				break
			}
		}
	}
	return out, nil
}

// numberedSlug is the n-th candidate for a slug: base itself, then base-2, base-3, …
func numberedSlug(base string, n int) string {
	if n == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// slugTaken reports whether another row of table has the slug.
func slugTaken(tx *gorm.DB, table, slug string, except int64) (bool, error) {
	var n int64
	err := tx.Table(table).Where("slug = ? AND id <> ?", slug, except).Count(&n).Error
	return n > 0, err
}
