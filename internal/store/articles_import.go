package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
)

// ArticleImport is an article of an archive that ImportArticles writes as published: its
// fields, its author, and when it was written and published. Its slug is made from its title
// and it has no Open Graph image: Slug and SEO.OGImageMediaID must be left out. Its cover, when
// set, is an image of the library, linked as CreateArticle links it.
type ArticleImport struct {
	ArticleInput // its AuthorIDs, when set, are every author in order and the first replaces AuthorID
	AuthorID     int64
	PublishedAt  time.Time // not after the store's clock
}

// ImportBatchSize is the number of articles an ImportArticles call is meant for: one
// transaction and one INSERT per table for that many, a few megabytes of rows in memory.
const ImportBatchSize = 500

// ImportArticles writes a batch of published articles in one transaction, with one multi-row
// INSERT per table. Each article ends as CreateArticle by its author followed by the publish
// action of the actor at its PublishedAt would leave it, by the same rules: text cleaned and
// body sanitised (cleanPatch), the slug made from the title and numbered as if the articles
// were written one by one in the list's order (uniqueSlugs), the category and the cover checked,
// the tags found or created, the cover linked, the search entry, the revisions create (by the author) and publish (by
// the actor), and the article.published event. The audit log gets one entry for the batch,
// article.import by the actor with the count and the first and last id, instead of two per
// article. All of it commits or none of it does. It returns the ids in the list's order.
func (s *Store) ImportArticles(ctx context.Context, actor Actor, list []ArticleImport) ([]int64, error) {
	if len(list) == 0 {
		return nil, nil
	}
	var ids []int64
	err := retryGeneratedSlug(true, func() error {
		return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
			var err error
			if ids, err = s.importArticles(tx, actor, list); err != nil {
				return Audit{}, err
			}
			return Audit{Action: "article.import", TargetType: "article",
				Detail: fmt.Sprintf("count=%d first=%d last=%d", len(ids), ids[0], ids[len(ids)-1])}, nil
		})
	})
	return ids, err
}

// importArticles is ImportArticles in its transaction.
func (s *Store) importArticles(tx *gorm.DB, actor Actor, list []ArticleImport) ([]int64, error) {
	now := tx.NowFunc()
	articles := make([]models.Article, len(list))
	tags := make([][]models.Tag, len(list))
	bases := make([]string, len(list))
	var allTags []models.Tag
	var categories []int64
	for i, in := range list {
		switch {
		case in.Slug != "":
			return nil, models.InvalidField(importField(i, "slug"), "an imported article's slug is made from its title")
		case in.SEO.OGImageMediaID != nil:
			return nil, models.InvalidField(importField(i, "og_image_media_id"), "an imported article has no Open Graph image")
		case in.PublishedAt.After(now):
			return nil, models.InvalidField(importField(i, "published_at"), "must not be in the future")
		}
		a := models.Article{Status: models.StatusDraft, AuthorID: in.AuthorID, Version: 1}
		if _, err := s.cleanPatch(&a, in.patch()); err != nil {
			return nil, inImport(i, err)
		}
		a.CategoryID = in.CategoryID
		if !slices.Contains(categories, a.CategoryID) {
			categories = append(categories, a.CategoryID)
		}
		var err error
		if tags[i], err = cleanTags(in.Tags); err != nil {
			return nil, inImport(i, err)
		}
		allTags = append(allTags, tags[i]...)
		bases[i] = slugFrom(a.Title, articleSlugs.fallback)
		articles[i] = a
	}
	for _, id := range categories {
		if err := s.checkCategory(tx, id); err != nil {
			return nil, err
		}
	}
	if err := checkImportCovers(tx, list); err != nil {
		return nil, err
	}
	slugs, err := uniqueSlugs(tx, articleSlugs.table, bases, 0)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]models.Tag{}
	if len(allTags) > 0 {
		if bySlug, err = saveTags(tx, allTags); err != nil {
			return nil, err
		}
	}

	// Each article as CreateArticle leaves it (the draft of revision 1), then published.
	drafts := make([]models.Article, len(list))
	for i := range articles {
		a := &articles[i]
		at := list[i].PublishedAt.UTC()
		a.Slug, a.CreatedAt, a.UpdatedAt = slugs[i], at, at
		for _, t := range tags[i] {
			a.Tags = append(a.Tags, bySlug[t.Slug])
		}
		authors := list[i].AuthorIDs
		if len(authors) == 0 {
			authors = []int64{a.AuthorID}
		}
		a.AuthorID = authors[0]
		for _, id := range authors {
			a.Authors = append(a.Authors, models.User{ID: id})
		}
		drafts[i] = *a
		if err := a.Transition(models.ActionPublish, at, nil); err != nil {
			return nil, err
		}
		a.AnnouncedAt = a.PublishedAt // its article.published is below
		a.Version = 2
	}
	if err := tx.Omit(clause.Associations).CreateInBatches(&articles, ImportBatchSize).Error; err != nil {
		if isForeignKey(err) { // the category was checked: an author that does not exist
			return nil, models.InvalidField("author_id", "every author must be a user")
		}
		return nil, err
	}

	ids := make([]int64, len(articles))
	var tagRows []articleTag
	var authorRows []articleAuthor
	var coverRows []models.MediaLink
	revisions := make([]models.ArticleRevision, 0, 2*len(articles))
	entries := make([]searchRow, len(articles))
	events := make([]models.WebhookEvent, len(articles))
	for i, a := range articles {
		ids[i], drafts[i].ID = a.ID, a.ID
		for k, u := range a.Authors {
			authorRows = append(authorRows, articleAuthor{ArticleID: a.ID, UserID: u.ID, Position: k})
		}
		if a.CoverMediaID != nil {
			coverRows = append(coverRows, models.MediaLink{MediaID: *a.CoverMediaID, OwnerType: "article", OwnerID: a.ID, Role: models.LinkCover})
		}
		for k, t := range a.Tags {
			tagRows = append(tagRows, articleTag{ArticleID: a.ID, TagID: t.ID, Position: k, PublicAt: publicAt(a)})
		}
		author := Actor{UserID: a.AuthorID, Role: models.RoleAuthor}
		created, err := revisionOf(drafts[i], models.RevisionCreate, author, a.CreatedAt)
		if err != nil {
			return nil, err
		}
		published, err := revisionOf(a, models.ActionPublish, actor, *a.PublishedAt)
		if err != nil {
			return nil, err
		}
		revisions = append(revisions, created, published)
		entries[i] = searchRowOf(articleSearchEntry(a))
		keys := articlePurgeKeys(a)
		purge(tx, keys...)
		data := articleEventData(a, a.StatusAt(now))
		data.Purge = withKeys(data.Purge, keys)
		if events[i], err = webhookEvent(models.EventArticlePublished, data); err != nil {
			return nil, err
		}
		events[i].CreatedAt = *a.PublishedAt // when it was published, as the single path dates it
	}
	if len(authorRows) > 0 {
		if err := tx.CreateInBatches(&authorRows, ImportBatchSize).Error; err != nil {
			if isForeignKey(err) {
				return nil, models.InvalidField("author_ids", "every author must be a user")
			}
			return nil, err
		}
	}
	if len(coverRows) > 0 {
		if err := tx.CreateInBatches(&coverRows, ImportBatchSize).Error; err != nil {
			return nil, err
		}
	}
	if len(tagRows) > 0 {
		if err := tx.CreateInBatches(&tagRows, ImportBatchSize).Error; err != nil {
			return nil, err
		}
	}
	if err := tx.Omit(clause.Associations).CreateInBatches(&revisions, ImportBatchSize).Error; err != nil {
		return nil, err
	}
	if err := tx.Clauses(reindexSearch).CreateInBatches(&entries, ImportBatchSize).Error; err != nil {
		return nil, err
	}
	if err := tx.CreateInBatches(&events, ImportBatchSize).Error; err != nil {
		return nil, err
	}
	markEnqueued(tx)
	return ids, nil
}

// checkImportCovers checks the covers of an import in one query, as setMediaLinks checks one
// article's: each an image of the library, locked against deletion until the links are written.
func checkImportCovers(tx *gorm.DB, list []ArticleImport) error {
	var ids []int64
	for _, in := range list {
		if in.CoverMediaID != nil && !slices.Contains(ids, *in.CoverMediaID) {
			ids = append(ids, *in.CoverMediaID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	mimes, err := usableMedia(tx, "article", ids)
	if err != nil {
		return err
	}
	for i, in := range list {
		if in.CoverMediaID != nil {
			if err := checkLinkable(mimes, *in.CoverMediaID, models.LinkCover, importField(i, "cover_media_id")); err != nil {
				return err
			}
		}
	}
	return nil
}

// importField names a field of the i-th article of an import.
func importField(i int, field string) string {
	return "articles[" + strconv.Itoa(i) + "]." + field
}

// inImport names the fields of an article's field errors as fields of the i-th article.
func inImport(i int, err error) error {
	var e *models.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]models.FieldError, len(e.Fields))
	for k, f := range e.Fields {
		out.Fields[k] = models.FieldError{Field: importField(i, f.Field), Message: f.Message}
	}
	return &out
}
