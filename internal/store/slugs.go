package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// slugKind is what slugFor needs to know of the items of a table.
type slugKind struct {
	table    string
	item     string // named in the conflict of a taken slug, and its kind in slug_history
	fallback string // the slug of a title without Latin letters or digits
}

var (
	articleSlugs  = slugKind{table: "articles", item: "article", fallback: "bai-viet"}
	categorySlugs = slugKind{table: "categories", item: "category", fallback: "chuyen-muc"}
)

// historyKind is the kind slug_history records the slugs of table's rows under ("" for a
// table whose slugs it does not keep, as tags': a tag is its slug).
func historyKind(table string) string {
	switch table {
	case articleSlugs.table:
		return articleSlugs.item
	case categorySlugs.table:
		return categorySlugs.item
	}
	return ""
}

// slugHistory is a row of slug_history: a slug an article or category had before, which keeps
// leading to it (301) and is never given to another item of its kind.
type slugHistory struct {
	Kind      string `gorm:"primaryKey"`
	Slug      string `gorm:"primaryKey"`
	TargetID  int64
	CreatedAt time.Time
}

func (slugHistory) TableName() string { return "slug_history" }

// slugChanged records, in the write that changes it, that the item id of kind gave up old for
// current: old keeps leading to it, and current, if it was one of its own old slugs, is its
// own again and no longer history.
func slugChanged(tx *gorm.DB, kind slugKind, id int64, old, current string) error {
	if old == current {
		return nil
	}
	if err := tx.Where("kind = ? AND slug = ? AND target_id = ?", kind.item, current, id).Delete(&slugHistory{}).Error; err != nil {
		return err
	}
	return retireSlug(tx, kind, id, old)
}

// retireSlug records slug as a former slug of the item id (renamed or deleted): it stays the
// item's for good.
func retireSlug(tx *gorm.DB, kind slugKind, id int64, slug string) error {
	row := slugHistory{Kind: kind.item, Slug: slug, TargetID: id, CreatedAt: tx.NowFunc().UTC()}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}, {Name: "slug"}},
		DoUpdates: clause.AssignmentColumns([]string{"target_id", "created_at"})}).Create(&row).Error
}

// formerSlugOwner is the item of kind that once had slug (0: none).
func formerSlugOwner(db *gorm.DB, kind slugKind, slug string) (int64, error) {
	var ids []int64
	err := db.Model(&slugHistory{}).Where("kind = ? AND slug = ?", kind.item, slug).Limit(1).Pluck("target_id", &ids).Error
	if len(ids) == 0 {
		return 0, err
	}
	return ids[0], err
}

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
// got, so a batch numbers its slugs as the same rows written one by one would. The taken
// candidates are read for all bases at once, in windows that double (10, 20, 40, … numbers per
// base) until every base has as many free ones as the list asks: a few queries per batch even
// when hundreds of rows share a title.
func uniqueSlugs(tx *gorm.DB, table string, bases []string, except int64) ([]string, error) {
	r := slugReader{tx: tx, table: table, except: except, taken: map[string]bool{}, checked: map[string]int{}}
	need := map[string]int{}
	var distinct []string
	for _, base := range bases {
		if need[base] == 0 {
			distinct = append(distinct, base)
		}
		need[base]++
	}
	for size := 10; ; size = min(2*size, 1000) {
		var short []string // bases with fewer free candidates read than they need
		for _, base := range distinct {
			free := 0
			for n := 1; n <= r.checked[base]; n++ {
				if !r.taken[numberedSlug(base, n)] {
					free++
				}
			}
			if free < need[base] {
				short = append(short, base)
			}
		}
		if len(short) == 0 {
			break
		}
		if err := r.read(short, size); err != nil {
			return nil, err
		}
	}
	out := make([]string, len(bases))
	last := map[string]int{} // base → the last number given to it in this list
	for i, base := range bases {
		for n := last[base] + 1; ; n++ {
			// A slug given to another base of the list (a title ending in a number) may use up
			// the candidates read: read on.
			if n > r.checked[base] {
				if err := r.read([]string{base}, 10); err != nil {
					return nil, err
				}
			}
			if slug := numberedSlug(base, n); !r.taken[slug] {
				out[i], r.taken[slug], last[base] = slug, true, n
				break
			}
		}
	}
	return out, nil
}

// slugReader reads which candidate slugs the rows of a table have taken.
type slugReader struct {
	tx      *gorm.DB
	table   string
	except  int64
	taken   map[string]bool // slugs of the table, as read, and those given to earlier bases
	checked map[string]int  // base → the numbers up to which taken has been read
}

// read reads the next size numbers of each base, at most 1,000 candidates a query.
func (r *slugReader) read(bases []string, size int) error {
	var candidates []string
	for _, base := range bases {
		from := r.checked[base] + 1
		for n := from; n < from+size; n++ {
			candidates = append(candidates, numberedSlug(base, n))
		}
		r.checked[base] = from + size - 1
	}
	for chunk := range slices.Chunk(candidates, 1000) {
		var found []string
		if err := r.tx.Table(r.table).Where("slug IN ? AND id <> ?", chunk, r.except).Pluck("slug", &found).Error; err != nil {
			return err
		}
		var former []string // another item's old slugs are never given again
		if err := r.tx.Model(&slugHistory{}).Where("kind = ? AND slug IN ? AND target_id <> ?", historyKind(r.table), chunk, r.except).
			Pluck("slug", &former).Error; err != nil {
			return err
		}
		for _, slug := range append(found, former...) {
			r.taken[slug] = true
		}
	}
	return nil
}

// numberedSlug is the n-th candidate for a slug: base itself, then base-2, base-3, …
func numberedSlug(base string, n int) string {
	if n == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// slugTaken reports whether another row of table has the slug, now or before.
func slugTaken(tx *gorm.DB, table, slug string, except int64) (bool, error) {
	var n int64
	if err := tx.Table(table).Where("slug = ? AND id <> ?", slug, except).Count(&n).Error; err != nil || n > 0 {
		return n > 0, err
	}
	err := tx.Model(&slugHistory{}).Where("kind = ? AND slug = ? AND target_id <> ?", historyKind(table), slug, except).Count(&n).Error
	return n > 0, err
}

// Moved is where an old slug leads now: the item that had it, and its current slug.
type Moved struct {
	ID   int64
	Slug string
}

// ArticleMoved is where a slug a publicly visible article had before leads (not found: no
// article had it, or the one that did is not public now, so nothing of a draft leaks).
func (s *Store) ArticleMoved(ctx context.Context, slug string, now time.Time) (Moved, error) {
	db := s.db.WithContext(ctx)
	id, err := formerSlugOwner(db, articleSlugs, slug)
	if err != nil || id == 0 {
		return Moved{}, cmp.Or[error](err, models.NotFound("article"))
	}
	var out Moved
	err = db.Model(&models.Article{}).Select("id, slug").Where("id = ?", id).Where(publiclyVisible, now.UTC()).Take(&out).Error
	return out, notFound(err, "article")
}

// CategoryMoved is where a slug a category had before leads.
func (s *Store) CategoryMoved(ctx context.Context, slug string) (Moved, error) {
	db := s.db.WithContext(ctx)
	id, err := formerSlugOwner(db, categorySlugs, slug)
	if err != nil || id == 0 {
		return Moved{}, cmp.Or[error](err, models.NotFound("category"))
	}
	var out Moved
	err = db.Model(&models.Category{}).Select("id, slug").Where("id = ?", id).Take(&out).Error
	return out, notFound(err, "category")
}
