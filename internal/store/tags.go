package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// TagCount is a tag with the number of articles that carry it.
type TagCount struct {
	models.Tag
	ArticleCount int64
}

// TagSlug is the slug, and so the identity, of a tag name; "" when the name has no letters or
// digits to make one from.
func TagSlug(name string) string { return search.Slugify(name) }

// PublicTags returns the tags of publicly visible articles, most used first, with the number
// of those articles; tags only drafts use stay hidden. A page is counted over article_tags'
// copy of when each article is public, and kept in the memo until a write of articles or tags
// or the next scheduled change.
func (s *Store) PublicTags(ctx context.Context, now time.Time, p models.Page) ([]TagCount, int64, error) {
	type page struct {
		list  []TagCount
		total int64
	}
	key := "public-tags:" + strconv.Itoa(p.Page) + ":" + strconv.Itoa(p.PerPage)
	v, err := memoized(ctx, s, key, []string{surrogate.Articles, surrogate.Tags}, now, true, func() (page, error) {
		visibleTags := func() *gorm.DB {
			return s.db.WithContext(ctx).Table("article_tags").Where("article_tags.public_at <= ?", now.UTC())
		}
		var out page
		if err := visibleTags().Distinct("article_tags.tag_id").Count(&out.total).Error; err != nil {
			return out, err
		}
		err := visibleTags().Joins("JOIN tags ON tags.id = article_tags.tag_id").
			Select("tags.id, tags.slug, tags.name, tags.description, tags.created_at, COUNT(*) AS article_count").
			Group("tags.id, tags.slug, tags.name, tags.description, tags.created_at").
			Order("article_count DESC, tags.slug").Limit(p.PerPage).Offset(p.Offset()).
			Scan(&out.list).Error
		return out, err
	})
	return slices.Clone(v.list), v.total, err
}

// PublicTag finds a tag by slug with the number of publicly visible articles carrying it,
// counted as PublicTags counts (along article_tags' public index) and kept in the memo until a
// write of articles or tags or the next scheduled change. A tag no public article carries is
// not found, as it is not listed: its name may be a draft's news.
func (s *Store) PublicTag(ctx context.Context, slug string, now time.Time) (TagCount, error) {
	return memoized(ctx, s, "public-tag:"+slug, []string{surrogate.Articles, surrogate.Tags}, now, true, func() (TagCount, error) {
		var out TagCount
		if err := s.db.WithContext(ctx).Where("slug = ?", slug).Take(&out.Tag).Error; err != nil {
			return out, notFound(err, "tag")
		}
		err := s.db.WithContext(ctx).Table("article_tags").Where("tag_id = ? AND public_at <= ?", out.ID, now.UTC()).
			Count(&out.ArticleCount).Error
		if err == nil && out.ArticleCount == 0 {
			err = models.NotFound("tag")
		}
		return out, err
	})
}

// tagsByID is every tag by id, kept in the memo (memo.go) until a write of tags; fresh reads the
// table again (the memo lacked a tag created since, by a draft's write, which purges nothing).
func (s *Store) tagsByID(ctx context.Context, fresh bool) (map[int64]models.Tag, error) {
	if fresh {
		s.memo.forget(surrogate.Tags)
	}
	return memoized(ctx, s, surrogate.Tags, []string{surrogate.Tags}, s.Now(), false, func() (map[int64]models.Tag, error) {
		var all []models.Tag
		if err := s.db.WithContext(ctx).Find(&all).Error; err != nil {
			return nil, err
		}
		out := make(map[int64]models.Tag, len(all))
		for _, t := range all {
			out[t.ID] = t
		}
		return out, nil
	})
}

// Tags returns every tag, by slug, with the number of articles of any status carrying it;
// prefix (folded like a slug) keeps those whose slug starts with it, for autocompletion.
func (s *Store) Tags(ctx context.Context, prefix string, p models.Page) ([]TagCount, int64, error) {
	q := s.db.WithContext(ctx).Model(&models.Tag{})
	if prefix != "" {
		slug := search.Slugify(prefix)
		if slug == "" {
			return []TagCount{}, 0, nil // no letters or digits: no tag starts with it
		}
		q = q.Where(`slug LIKE ? ESCAPE '\'`, likeEscape(slug)+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []TagCount
	err := q.Select("tags.*, (SELECT COUNT(*) FROM article_tags WHERE article_tags.tag_id = tags.id) AS article_count").
		Order("slug").Limit(p.PerPage).Offset(p.Offset()).Scan(&out).Error
	return out, total, err
}

// TagByID finds a tag with its article count.
func (s *Store) TagByID(ctx context.Context, id int64) (TagCount, error) {
	return tagWithCount(s.db.WithContext(ctx), id)
}

func tagWithCount(db *gorm.DB, id int64) (TagCount, error) {
	var out TagCount
	err := db.Model(&models.Tag{}).
		Select("tags.*, (SELECT COUNT(*) FROM article_tags WHERE article_tags.tag_id = tags.id) AS article_count").
		Where("id = ?", id).Take(&out).Error
	return out, notFound(err, "tag")
}

// CreateTag inserts a tag at version 1; its slug comes from the (cleaned) name, and a name
// whose slug is taken is a conflict (it is the same tag).
func (s *Store) CreateTag(ctx context.Context, actor Actor, name, description string) (models.Tag, error) {
	var t models.Tag
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		name, slug, err := tagName(name)
		if err != nil {
			return Audit{}, err
		}
		t = models.Tag{Name: name, Slug: slug, Description: models.CleanText(description), Version: 1}
		if err := tx.Create(&t).Error; err != nil {
			if isDuplicate(err) {
				return Audit{}, models.Conflict("the tag %s already exists", slug)
			}
			return Audit{}, err
		}
		purge(tx, surrogate.Tags)
		return tagAudit("tag.create", t.ID, t.Slug), nil
	})
	return t, err
}

// RenameTag changes the name, and so the slug, of a tag still at version (UpdateTag).
func (s *Store) RenameTag(ctx context.Context, actor Actor, id int64, version int, name string) (TagCount, error) {
	return s.UpdateTag(ctx, actor, id, version, TagPatch{Name: &name})
}

// TagPatch holds the fields of a tag to change; nil means unchanged.
type TagPatch struct {
	Name        *string // the slug follows it
	Description *string
}

// UpdateTag changes a tag still at version, and bumps the version; a name that folds to
// another tag's slug is a conflict.
func (s *Store) UpdateTag(ctx context.Context, actor Actor, id int64, version int, p TagPatch) (TagCount, error) {
	var out TagCount
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &models.Tag{}, "tag", id, version); err != nil {
			return Audit{}, err
		}
		updates := map[string]any{}
		if p.Name != nil {
			name, slug, err := tagName(*p.Name)
			if err != nil {
				return Audit{}, err
			}
			taken, err := slugTaken(tx, "tags", slug, id)
			if err != nil {
				return Audit{}, err
			}
			if taken {
				return Audit{}, models.Conflict("another tag is already called %s", slug)
			}
			updates["name"], updates["slug"] = name, slug
		}
		if p.Description != nil {
			updates["description"] = models.CleanText(*p.Description)
		}
		if err := updateVersioned(tx, &models.Tag{}, "tag", id, version, updates); err != nil {
			return Audit{}, err
		}
		var err error
		if out, err = tagWithCount(tx, id); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Tags, surrogate.Tag(id))
		return tagAudit("tag.update", id, out.Slug), nil
	})
	return out, err
}

// DeleteTag deletes a tag still at version; the foreign key takes it off every article.
func (s *Store) DeleteTag(ctx context.Context, actor Actor, id int64, version int) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &models.Tag{}, "tag", id, version); err != nil {
			return Audit{}, err
		}
		if err := deleteVersioned(tx, &models.Tag{}, "tag", id, version); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Tags, surrogate.Tag(id))
		return tagAudit("tag.delete", id, ""), nil
	})
}

// tagName cleans the name of a tag and makes its slug; a name without letters or digits to
// make one of is invalid.
func tagName(name string) (clean, slug string, err error) {
	clean = models.CleanText(name)
	if slug = TagSlug(clean); slug == "" {
		return "", "", models.InvalidField("name", "must contain letters or digits")
	}
	return clean, slug, nil
}

func tagAudit(action string, id int64, detail string) Audit {
	return Audit{Action: action, TargetType: "tag", TargetID: strconv.FormatInt(id, 10), Detail: detail}
}

// articleTag is a row of article_tags: an article carries a tag, at a position in its list.
// PublicAt is a copy of the article's published_at while it is published or scheduled, nil
// otherwise (setTagsPublicAt keeps it), for the newest public articles of a tag along an index.
type articleTag struct {
	ArticleID int64 `gorm:"primaryKey"`
	TagID     int64 `gorm:"primaryKey"`
	Position  int
	PublicAt  *time.Time
}

// publicAt is what article_tags.public_at holds for a: its published_at while it is published
// or scheduled (public from then), nil otherwise.
func publicAt(a models.Article) *time.Time {
	if a.Status == models.StatusPublished || a.Status == models.StatusScheduled {
		return a.PublishedAt
	}
	return nil
}

// setTagsPublicAt copies a's public time into its rows of article_tags, after any write of it.
func setTagsPublicAt(tx *gorm.DB, a models.Article) error {
	return tx.Model(&articleTag{}).Where("article_id = ?", a.ID).Update("public_at", publicAt(a)).Error
}

func (articleTag) TableName() string { return "article_tags" }

// resolveTags finds the tags of the given names, creating the missing ones, in the order of the
// names; names with the same slug are one tag. A name without letters or digits is invalid.
func resolveTags(tx *gorm.DB, names []string) ([]models.Tag, error) {
	tags, err := cleanTags(names)
	if err != nil || len(tags) == 0 {
		return nil, err
	}
	bySlug, err := saveTags(tx, tags)
	if err != nil {
		return nil, err
	}
	for i, t := range tags {
		tags[i] = bySlug[t.Slug]
	}
	return tags, nil
}

// cleanTags is the tags the names stand for, cleaned, in their order, each slug once; they
// are not yet stored (no ids).
func cleanTags(names []string) ([]models.Tag, error) {
	var out []models.Tag
	seen := map[string]bool{}
	for i, name := range names {
		name = models.CleanText(name)
		slug := TagSlug(name)
		if slug == "" {
			return nil, models.InvalidField(fmt.Sprintf("tags[%d]", i), "must contain letters or digits")
		}
		if !seen[slug] {
			seen[slug] = true
			out = append(out, models.Tag{Slug: slug, Name: name})
		}
	}
	return out, nil
}

// saveTags creates the tags that do not exist yet and returns all of them, by slug.
func saveTags(tx *gorm.DB, tags []models.Tag) (map[string]models.Tag, error) {
	fresh := slices.Clone(tags)
	slugs := make([]string, len(tags))
	for i, t := range tags {
		slugs[i] = t.Slug
	}
	// Concurrent writers may create the same tag: the loser's insert does nothing.
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "slug"}}, DoNothing: true}).Create(&fresh).Error; err != nil {
		return nil, err
	}
	var found []models.Tag
	if err := tx.Where("slug IN ?", slugs).Find(&found).Error; err != nil {
		return nil, err
	}
	out := make(map[string]models.Tag, len(found))
	for _, t := range found {
		out[t.Slug] = t
	}
	return out, nil
}

// setArticleTags replaces the tags an article carries.
func setArticleTags(tx *gorm.DB, articleID int64, tags []models.Tag) error {
	if err := tx.Where("article_id = ?", articleID).Delete(&articleTag{}).Error; err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	rows := make([]articleTag, len(tags))
	for i, t := range tags {
		rows[i] = articleTag{ArticleID: articleID, TagID: t.ID, Position: i}
	}
	return tx.Create(&rows).Error
}

// tagsOf loads, in one query, the tags of each article in their listed order.
func tagsOf(db *gorm.DB, articleIDs []int64) (map[int64][]models.Tag, error) {
	out := make(map[int64][]models.Tag, len(articleIDs))
	if len(articleIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ArticleID int64
		models.Tag
	}
	err := db.Table("article_tags").Select("article_tags.article_id, tags.*").
		Joins("JOIN tags ON tags.id = article_tags.tag_id").
		Where("article_tags.article_id IN ?", articleIDs).
		Order("article_tags.article_id, article_tags.position").Scan(&rows).Error
	for _, r := range rows {
		out[r.ArticleID] = append(out[r.ArticleID], r.Tag)
	}
	return out, err
}
