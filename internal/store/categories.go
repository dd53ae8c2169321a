package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// Categories returns every category in display order (position, then id). Categories are few,
// so callers build the tree, or collect a sub-tree's ids, in memory.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	var out []models.Category
	err := s.db.WithContext(ctx).Order("position, id").Find(&out).Error
	return out, err
}

// CategoryByID finds a category.
func (s *Store) CategoryByID(ctx context.Context, id int64) (models.Category, error) {
	var c models.Category
	err := s.db.WithContext(ctx).Take(&c, id).Error
	return c, notFound(err, "category")
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

// CreateCategory inserts a category. Without a slug one is made from the name (made unique
// with a number); a slug given that is taken is a conflict. The parent must exist.
func (s *Store) CreateCategory(ctx context.Context, c *models.Category) error {
	return retryGeneratedSlug(c.Slug == "", func() error {
		c.ID = 0
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.checkParent(tx, c.ParentID); err != nil {
				return err
			}
			slug, err := slugFor(tx, categorySlugs, c.Slug, c.Name, 0)
			if err != nil {
				return err
			}
			c.Slug = slug
			return tx.Create(c).Error
		})
	})
}

// CategoryPatch holds the fields of a category to change; nil means unchanged. ParentSet with a
// nil ParentID makes the category a root.
type CategoryPatch struct {
	Name        *string
	Slug        *string
	Description *string
	Position    *int
	ParentSet   bool
	ParentID    *int64
}

// UpdateCategory changes a category. A category cannot move under itself or one of its
// sub-categories (invalid parent_id); a renamed category keeps its slug unless one is given.
func (s *Store) UpdateCategory(ctx context.Context, id int64, p CategoryPatch) (models.Category, error) {
	var c models.Category
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.locking(tx).Take(&c, id).Error; err != nil {
			return notFound(err, "category")
		}
		updates := map[string]any{"updated_at": s.Now().UTC()}
		if p.Name != nil {
			updates["name"] = *p.Name
		}
		if p.Description != nil {
			updates["description"] = *p.Description
		}
		if p.Position != nil {
			updates["position"] = *p.Position
		}
		if p.Slug != nil && *p.Slug != c.Slug {
			slug, err := slugFor(tx, categorySlugs, *p.Slug, "", id)
			if err != nil {
				return err
			}
			updates["slug"] = slug
		}
		if p.ParentSet {
			if err := s.checkMove(tx, id, p.ParentID); err != nil {
				return err
			}
			updates["parent_id"] = p.ParentID
		}
		if err := tx.Model(&c).Updates(updates).Error; err != nil {
			if isDuplicate(err) {
				return models.Conflict("the slug is already taken by another category")
			}
			return err
		}
		return tx.Take(&c, id).Error
	})
	return c, err
}

// DeleteCategory deletes a category that has neither sub-categories nor articles (conflict).
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Category
		if err := s.locking(tx).Take(&c, id).Error; err != nil {
			return notFound(err, "category")
		}
		var children, articles int64
		if err := tx.Model(&models.Category{}).Where("parent_id = ?", id).Count(&children).Error; err != nil {
			return err
		}
		if children > 0 {
			return models.Conflict("the category has %d sub-categories: move or delete them first", children)
		}
		if err := tx.Model(&models.Article{}).Where("category_id = ?", id).Count(&articles).Error; err != nil {
			return err
		}
		if articles > 0 {
			return models.Conflict("the category has %d articles: move or delete them first", articles)
		}
		return tx.Delete(&c).Error
	})
}

// checkParent checks that a parent category exists, and keeps it from being deleted before
// the transaction ends.
func (s *Store) checkParent(tx *gorm.DB, parentID *int64) error {
	if parentID == nil {
		return nil
	}
	var found []int64
	if err := s.keyShare(tx.Model(&models.Category{})).Where("id = ?", *parentID).Pluck("id", &found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		return models.InvalidField("parent_id", fmt.Sprintf("category %d does not exist", *parentID))
	}
	return nil
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
