package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Categories returns every category in display order (position, then id). Categories are few,
// so callers build the tree, or collect a sub-tree's ids, in memory.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	all, err := s.categories(ctx, false)
	return slices.Clone(all.list), err
}

// categorySet is every category, in the tree's order and by id: the memo keeps it (memo.go).
type categorySet struct {
	list []models.Category
	byID map[int64]int // index in list
}

// path is the categories from the root down to id, itself last (models.Category.Path); empty
// for an unknown id. A loop in parent_id (which the writes refuse) cannot make it endless.
func (all categorySet) path(id int64) []models.Category {
	var out []models.Category
	for i, ok := all.byID[id]; ok && len(out) <= len(all.list); i, ok = all.byID[id] {
		c := all.list[i]
		c.Path = nil
		out = append(out, c)
		if c.ParentID == nil {
			break
		}
		id = *c.ParentID
	}
	slices.Reverse(out)
	return out
}

// attachPaths fills the path of each article's category from the memo; a category the memo
// lacks (created a moment ago by another process) makes it read the table again, once.
func (s *Store) attachPaths(ctx context.Context, list []models.Article) error {
	all, err := s.categories(ctx, false)
	if err != nil {
		return err
	}
	for i, a := range list {
		if _, ok := all.byID[a.CategoryID]; !ok {
			if all, err = s.categories(ctx, true); err != nil {
				return err
			}
		}
		list[i].Category.Path = all.path(a.CategoryID)
	}
	return nil
}

// PublicCategoryCounts counts the publicly visible articles directly in each category at now,
// kept in the memo (dropped when an article or category is written, and at the next scheduled
// change), so a category page costs no count per request.
func (s *Store) PublicCategoryCounts(ctx context.Context, now time.Time) (map[int64]int64, error) {
	return memoized(ctx, s, "public-category-counts", []string{surrogate.Articles, surrogate.Categories}, now, true,
		func() (map[int64]int64, error) {
			var rows []struct {
				CategoryID int64
				N          int64
			}
			err := s.db.WithContext(ctx).Model(&models.Article{}).Select("articles.category_id, COUNT(*) AS n").
				Where(publiclyVisible, now.UTC()).Group("articles.category_id").Scan(&rows).Error
			out := make(map[int64]int64, len(rows))
			for _, r := range rows {
				out[r.CategoryID] = r.N
			}
			return out, err
		})
}

// categories reads every category from the memo, or from the table when fresh is set (the
// memo lacked one) or the memo has none.
func (s *Store) categories(ctx context.Context, fresh bool) (categorySet, error) {
	families := []string{surrogate.Categories}
	if fresh {
		s.memo.forget("categories")
	}
	return memoized(ctx, s, "categories", families, s.Now(), false, func() (categorySet, error) {
		var out categorySet
		if err := s.db.WithContext(ctx).Order("position, id").Find(&out.list).Error; err != nil {
			return out, err
		}
		out.byID = make(map[int64]int, len(out.list))
		for i, c := range out.list {
			out.byID[c.ID] = i
		}
		return out, nil
	})
}

// CategoryCount is a category with the number of articles (of any status) directly in it.
type CategoryCount struct {
	models.Category
	ArticleCount int64
}

// CategoryByID finds a category with its article count.
func (s *Store) CategoryByID(ctx context.Context, id int64) (CategoryCount, error) {
	return categoryWithCount(s.db.WithContext(ctx), id)
}

func categoryWithCount(db *gorm.DB, id int64) (CategoryCount, error) {
	var out CategoryCount
	err := db.Model(&models.Category{}).
		Select("categories.*, (SELECT COUNT(*) FROM articles WHERE articles.category_id = categories.id) AS article_count").
		Where("id = ?", id).Take(&out).Error
	return out, notFound(err, "category")
}

// CategoryArticleCounts counts the articles (of any status) directly in each category.
func (s *Store) CategoryArticleCounts(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		CategoryID int64
		N          int64
	}
	err := s.db.WithContext(ctx).Model(&models.Article{}).Select("category_id, COUNT(*) AS n").
		Group("category_id").Scan(&rows).Error
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.CategoryID] = r.N
	}
	return out, err
}

// CategoryInput is a new category. Name and description are cleaned (models.CleanText).
type CategoryInput struct {
	Name        string
	Slug        string // "": made from the name
	Description string
	ParentID    *int64
	Position    int
}

// CreateCategory inserts a category at version 1. Without a slug one is made from the name
// (made unique with a number); a slug given that is taken is a conflict. The parent must exist.
func (s *Store) CreateCategory(ctx context.Context, actor Actor, in CategoryInput) (models.Category, error) {
	var c models.Category
	err := retryGeneratedSlug(in.Slug == "", func() error {
		return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
			c = models.Category{Name: models.CleanText(in.Name), Description: models.CleanText(in.Description),
				ParentID: in.ParentID, Position: in.Position, Version: 1}
			if err := s.checkParent(tx, c.ParentID); err != nil {
				return Audit{}, err
			}
			slug, err := slugFor(tx, categorySlugs, in.Slug, c.Name, 0)
			if err != nil {
				return Audit{}, err
			}
			c.Slug = slug
			if err := tx.Create(&c).Error; err != nil {
				if isForeignKey(err) { // the parent was deleted since checkParent (PostgreSQL)
					return Audit{}, categoryMissing("parent_id", *c.ParentID)
				}
				return Audit{}, err
			}
			purge(tx, surrogate.Categories)
			touchSync(tx, KindCategory, c.ID) // nothing showed it yet, but apps get it
			return categoryAudit("category.create", c.ID, c.Slug), nil
		})
	})
	return c, err
}

// CategoryPatch holds the fields of a category to change; nil (or unset) means unchanged. A
// ParentID set to null makes the category a root. Name and description are cleaned.
type CategoryPatch struct {
	Name        *string
	Slug        *string
	Description *string
	Position    *int
	ParentID    models.Nullable[int64]
}

// UpdateCategory changes a category still at version, and bumps the version. A category cannot
// move under itself or one of its sub-categories (invalid parent_id); a renamed category keeps
// its slug unless one is given.
func (s *Store) UpdateCategory(ctx context.Context, actor Actor, id int64, version int, p CategoryPatch) (CategoryCount, error) {
	var out CategoryCount
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var c models.Category
		if err := s.lockAt(tx, &c, "category", id, version); err != nil {
			return Audit{}, err
		}
		updates := map[string]any{"updated_at": s.Now().UTC()}
		if p.Name != nil {
			updates["name"] = models.CleanText(*p.Name)
		}
		if p.Description != nil {
			updates["description"] = models.CleanText(*p.Description)
		}
		if p.Position != nil {
			updates["position"] = *p.Position
		}
		if p.Slug != nil && *p.Slug != c.Slug {
			slug, err := slugFor(tx, categorySlugs, *p.Slug, "", id)
			if err != nil {
				return Audit{}, err
			}
			updates["slug"] = slug
		}
		if p.ParentID.Set {
			if err := s.checkMove(tx, id, p.ParentID.Value); err != nil {
				return Audit{}, err
			}
			updates["parent_id"] = p.ParentID.Value
		}
		if err := updateVersioned(tx, &models.Category{}, "category", id, version, updates); err != nil {
			return Audit{}, err
		}
		if slug, ok := updates["slug"].(string); ok {
			if err := slugChanged(tx, categorySlugs, id, c.Slug, slug); err != nil {
				return Audit{}, err
			}
		}
		purge(tx, surrogate.Categories, surrogate.Category(id))
		if updates["slug"] != nil || p.ParentID.Set {
			// Lists are asked for by category slug, and a category's list takes in its
			// sub-categories: which lists hold which articles may have changed.
			purge(tx, surrogate.Articles)
		}
		var err error
		if out, err = categoryWithCount(tx, id); err != nil {
			return Audit{}, err
		}
		return categoryAudit("category.update", id, ""), nil
	})
	return out, err
}

// DeleteCategory deletes a category still at version that has neither sub-categories nor
// articles (conflict).
func (s *Store) DeleteCategory(ctx context.Context, actor Actor, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &models.Category{}, "category", id, version); err != nil {
			return Audit{}, err
		}
		// The foreign keys would refuse the deletion too; the counts say what stands in its way.
		var children, articles int64
		if err := tx.Model(&models.Category{}).Where("parent_id = ?", id).Count(&children).Error; err != nil {
			return Audit{}, err
		}
		if children > 0 {
			return Audit{}, models.Conflict("the category has %d sub-categories: move or delete them first", children)
		}
		if err := tx.Model(&models.Article{}).Where("category_id = ?", id).Count(&articles).Error; err != nil {
			return Audit{}, err
		}
		if articles > 0 {
			return Audit{}, models.Conflict("the category has %d articles: move or delete them first", articles)
		}
		if err := deleteVersioned(tx, &models.Category{}, "category", id, version); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Categories, surrogate.Category(id))
		return categoryAudit("category.delete", id, ""), nil
	})
}

func categoryAudit(action string, id int64, detail string) Audit {
	return Audit{Action: action, TargetType: "category", TargetID: strconv.FormatInt(id, 10), Detail: detail}
}

// checkParent checks that a parent category exists; the foreign key keeps it until the
// transaction ends.
func (s *Store) checkParent(tx *gorm.DB, parentID *int64) error {
	if parentID == nil {
		return nil
	}
	var found []int64
	if err := tx.Model(&models.Category{}).Where("id = ?", *parentID).Pluck("id", &found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		return categoryMissing("parent_id", *parentID)
	}
	return nil
}

// categoryMissing is the error of a reference, in field, to a category that does not exist.
func categoryMissing(field string, id int64) error {
	return models.InvalidField(field, fmt.Sprintf("category %d does not exist", id))
}

// checkMove refuses a new parent that is the category itself or one of its descendants. The
// whole (small) tree is read and locked, so two concurrent moves cannot make a cycle together.
func (s *Store) checkMove(tx *gorm.DB, id int64, parentID *int64) error {
	if parentID == nil {
		return nil
	}
	var all []models.Category
	if err := s.locking(tx).Select("id, parent_id").Find(&all).Error; err != nil {
		return err
	}
	parentOf := make(map[int64]*int64, len(all))
	for _, c := range all {
		parentOf[c.ID] = c.ParentID
	}
	if _, ok := parentOf[*parentID]; !ok {
		return models.InvalidField("parent_id", fmt.Sprintf("category %d does not exist", *parentID))
	}
	for at, steps := parentID, 0; at != nil && steps <= len(all); at, steps = parentOf[*at], steps+1 {
		if *at == id {
			return models.InvalidField("parent_id", "a category cannot be placed under itself or one of its sub-categories")
		}
	}
	return nil
}
