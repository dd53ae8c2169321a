package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// publiclyVisible is the filter of everything public: published, or scheduled with its time
// come, so a scheduled article appears at publish_at with no job run. It is spelled as the
// partial indexes' predicate (migration 0011) so both planners use them: the statuses are
// literals on purpose, not parameters.
const publiclyVisible = "articles.status IN ('published', 'scheduled') AND articles.published_at <= ?"

// Access decides whether the caller may see, or change, an article as read in the
// transaction: a domain error refuses. The handlers supply the role rules; nil allows all.
type Access func(models.Article) error

// ArticleInput holds the fields of a new article; its author is the actor who creates it.
type ArticleInput struct {
	Title        string
	Slug         string // "": made from the title, and following it until published
	Summary      string
	Body         string // sanitised before it is stored
	CategoryID   int64
	Tags         []string
	CoverMediaID *int64
	CoverCaption string
	Byline       string
	Featured     bool
	AuthorIDs    []int64 // in order, the first the primary author; none: the actor alone
	SEO          ArticleSEO
}

// ArticleSEO holds an article's SEO and sharing fields; empty means the default.
type ArticleSEO struct {
	MetaTitle       string
	MetaDescription string
	CanonicalURL    string // absolute http(s)
	OGImageMediaID  *int64 // an image of the media library
	Noindex         bool
}

// patch is the input as a patch that sets every field, so a new article goes through the same
// normalisation, checks and writes as a change.
func (in ArticleInput) patch() ArticlePatch {
	p := ArticlePatch{
		Title: &in.Title, Summary: &in.Summary, Body: &in.Body, CategoryID: &in.CategoryID, Tags: &in.Tags,
		Cover: models.Nullable[int64]{Set: true, Value: in.CoverMediaID}, CoverCaption: &in.CoverCaption,
		Byline: &in.Byline, Featured: &in.Featured,
		MetaTitle: &in.SEO.MetaTitle, MetaDescription: &in.SEO.MetaDescription, CanonicalURL: &in.SEO.CanonicalURL,
		OGImage: models.Nullable[int64]{Set: true, Value: in.SEO.OGImageMediaID}, Noindex: &in.SEO.Noindex,
	}
	if in.Slug != "" {
		p.Slug = &in.Slug
	}
	if len(in.AuthorIDs) > 0 {
		p.AuthorIDs = &in.AuthorIDs
	}
	return p
}

// CreateArticle stores a new draft by the actor at version 1 with its first revision.
func (s *Store) CreateArticle(ctx context.Context, actor Actor, in ArticleInput) (models.Article, error) {
	var out models.Article
	if len(in.AuthorIDs) == 0 {
		in.AuthorIDs = []int64{actor.UserID}
	}
	err := retryGeneratedSlug(in.Slug == "", func() error {
		return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
			a := models.Article{Status: models.StatusDraft, AuthorID: actor.UserID, Version: 1}
			change, err := s.applyPatch(tx, &a, in.patch())
			if err != nil {
				return Audit{}, err
			}
			if err := tx.Omit(clause.Associations).Create(&a).Error; err != nil {
				return Audit{}, articleRefError(err, a.CategoryID, a.CoverMediaID)
			}
			if out, err = saveArticle(tx, actor, a.ID, models.RevisionCreate, nil, change); err != nil {
				return Audit{}, err
			}
			return articleAudit(models.RevisionCreate, out.ID, out.Slug), nil
		})
	})
	if err != nil {
		return out, err
	}
	return s.withPath(ctx, out)
}

// ArticlePatch holds the fields of an article to change; nil (Cover: not Set) means unchanged,
// and a Cover set to null removes the cover.
type ArticlePatch struct {
	Title        *string
	Slug         *string
	Summary      *string
	Body         *string
	CategoryID   *int64
	Tags         *[]string
	Cover        models.Nullable[int64]
	CoverCaption *string
	Byline       *string
	Featured     *bool
	AuthorIDs    *[]int64 // replaces the authors, in order; the first becomes the primary author
	// UnpublishAt schedules the take-down (null: none); it must come after now and after the
	// publication.
	UnpublishAt models.Nullable[time.Time]
	// SEO and sharing; OGImage set to null removes the image.
	MetaTitle       *string
	MetaDescription *string
	CanonicalURL    *string
	OGImage         models.Nullable[int64]
	Noindex         *bool
}

// UpdateArticle applies a patch at the version the client read (ifMatch): a stale version is
// version_mismatch, and of concurrent writers with the same version exactly one wins.
func (s *Store) UpdateArticle(ctx context.Context, actor Actor, id int64, p ArticlePatch, ifMatch int, access Access) (models.Article, error) {
	return s.changeArticle(ctx, actor, id, ifMatch, models.RevisionUpdate, access, func(tx *gorm.DB, a *models.Article) (articleChange, error) {
		change, err := s.applyPatch(tx, a, p)
		change.detail = "version=" + strconv.Itoa(a.Version+1)
		return change, err
	})
}

// Schedule is what a publish action may schedule: its publication (PublishAt, in the future)
// and its take-down (UnpublishAt, after the publication).
type Schedule struct {
	PublishAt   *time.Time
	UnpublishAt *time.Time
}

// TransitionArticle applies a workflow action (see models.Article.Transition) at the time of
// its transaction; when.PublishAt, in the future, schedules, and when.UnpublishAt schedules the
// take-down (publish only). ifMatch is optional here (0: any version).
func (s *Store) TransitionArticle(ctx context.Context, actor Actor, id int64, action string, when Schedule, ifMatch int, access Access) (models.Article, error) {
	return s.changeArticle(ctx, actor, id, ifMatch, action, access, func(tx *gorm.DB, a *models.Article) (articleChange, error) {
		now := tx.NowFunc()
		if when.PublishAt != nil && !when.PublishAt.After(now) {
			return articleChange{}, models.InvalidField("publish_at", "must be in the future; leave it out to publish now")
		}
		if err := a.Transition(action, now, when.PublishAt); err != nil {
			return articleChange{}, err
		}
		if when.UnpublishAt != nil {
			at := when.UnpublishAt.UTC().Truncate(time.Microsecond)
			a.UnpublishAt = &at
		}
		if err := a.CheckTakeDown(now); err != nil {
			return articleChange{}, err
		}
		u := map[string]any{"status": a.Status, "published_at": a.PublishedAt, "slug_locked": a.SlugLocked, "unpublish_at": a.UnpublishAt}
		if action == models.ActionUnpublish || action == models.ActionArchive {
			u["preview_generation"] = gorm.Expr("preview_generation + 1") // revokes its preview links
		}
		return articleChange{updates: u, detail: "status=" + a.Status}, nil
	})
}

// RestoreRevision makes revision number the article's content again, as a new version with its
// own revision. The workflow status and the slug are not restored: status changes only through
// the workflow actions and slugs change only when set explicitly.
func (s *Store) RestoreRevision(ctx context.Context, actor Actor, id int64, number, ifMatch int, access Access) (models.Article, error) {
	return s.changeArticle(ctx, actor, id, ifMatch, models.RevisionRestore, access, func(tx *gorm.DB, a *models.Article) (articleChange, error) {
		rev, err := revision(tx, id, number)
		if err != nil {
			return articleChange{}, err
		}
		var snap models.ArticleSnapshot
		if err := json.Unmarshal([]byte(rev.Snapshot), &snap); err != nil {
			return articleChange{}, fmt.Errorf("revision %d of article %d: %w", number, id, err)
		}
		patch := ArticlePatch{
			Title: &snap.Title, Summary: &snap.Summary, Body: &snap.Body, CategoryID: &snap.CategoryID,
			Tags: &snap.Tags, Cover: models.Nullable[int64]{Set: true, Value: snap.CoverMediaID}, CoverCaption: &snap.CoverCaption,
			Byline: &snap.Byline, Featured: &snap.Featured,
			MetaTitle: &snap.MetaTitle, MetaDescription: &snap.MetaDescription, CanonicalURL: &snap.CanonicalURL,
			OGImage: models.Nullable[int64]{Set: true, Value: snap.OGImageMediaID}, Noindex: &snap.Noindex,
		}
		if len(snap.AuthorIDs) > 0 { // revisions stored before co-authors leave the authors as they are
			patch.AuthorIDs = &snap.AuthorIDs
		}
		change, err := s.applyPatch(tx, a, patch)
		change.detail = "revision=" + strconv.Itoa(number)
		return change, err
	})
}

// DeleteArticle moves an article to the trash at the version the client read: its row, tags,
// revisions and media links stay, it goes back to draft (a published article is unpublished:
// restored, it comes back as a draft) so no public read shows it, its preview links are revoked
// and its search entry removed. Its slug stays its own while it is in the trash. Trashing is a
// version with its revision, so an editor restores it with If-Match.
func (s *Store) DeleteArticle(ctx context.Context, actor Actor, id int64, ifMatch int, access Access) (models.Article, error) {
	var out models.Article
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		// Held, so that no scheduler announces it between this read and the trash.
		a, err := readArticle(s.locking(tx), id, access)
		if err != nil {
			return Audit{}, err
		}
		if a.TrashedAt != nil {
			return Audit{}, models.Conflict("the article is in the trash already")
		}
		withTags := []models.Article{a} // the purge names its tags' pages
		if err := attachTags(tx, withTags); err != nil {
			return Audit{}, err
		}
		a = withTags[0]
		now := tx.NowFunc().UTC()
		err = updateVersioned(tx, &models.Article{}, "article", id, ifMatch, map[string]any{
			"status": models.StatusDraft, "published_at": nil, "unpublish_at": nil, "announced_at": nil, "trashed_at": now, "trashed_by_id": actorID(actor),
			"preview_generation": gorm.Expr("preview_generation + 1"), "updated_at": now,
		})
		if err != nil {
			return Audit{}, err
		}
		if err := tx.Model(&articleTag{}).Where("article_id = ?", id).Update("public_at", nil).Error; err != nil {
			return Audit{}, err
		}
		if err := unindexSearch(tx, KindArticle, id); err != nil {
			return Audit{}, err
		}
		purgeArticleChange(tx, &a, nil)
		if articleAnnounced(a) {
			if err := enqueueEvent(tx, models.EventArticleUnpublished, articleEventData(a, "trashed")); err != nil {
				return Audit{}, err
			}
		}
		if out, err = loadArticle(tx, id); err != nil {
			return Audit{}, err
		}
		if err := addRevision(tx, out, models.RevisionTrash, actor); err != nil {
			return Audit{}, err
		}
		return articleAudit(models.RevisionTrash, id, "status="+a.Status), nil
	})
	return out, err
}

// RestoreArticle takes an article out of the trash at the version the client read, as a draft
// (whatever it was before) with its search entry again.
func (s *Store) RestoreArticle(ctx context.Context, actor Actor, id int64, ifMatch int, access Access) (models.Article, error) {
	var out models.Article
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		a, err := readArticle(tx, id, access)
		if err != nil {
			return Audit{}, err
		}
		if a.TrashedAt == nil {
			return Audit{}, models.Conflict("the article is not in the trash")
		}
		err = updateVersioned(tx, &models.Article{}, "article", id, ifMatch, map[string]any{
			"trashed_at": nil, "trashed_by_id": nil, "updated_at": tx.NowFunc().UTC(),
		})
		if err != nil {
			return Audit{}, err
		}
		if out, err = loadArticle(tx, id); err != nil {
			return Audit{}, err
		}
		if err := indexSearch(tx, articleSearchEntry(out)); err != nil {
			return Audit{}, err
		}
		if err := addRevision(tx, out, models.RevisionUntrash, actor); err != nil {
			return Audit{}, err
		}
		return articleAudit(models.RevisionUntrash, id, "version="+strconv.Itoa(out.Version)), nil
	})
	return out, err
}

// DeleteArticleForGood deletes an article in the trash at the version the client read, with its
// tags, revisions and media links. An article not in the trash is a conflict: it goes to the
// trash first.
func (s *Store) DeleteArticleForGood(ctx context.Context, actor Actor, id int64, ifMatch int, access Access) error {
	return s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		a, err := readArticle(tx, id, access)
		if err != nil {
			return Audit{}, err
		}
		if a.TrashedAt == nil {
			return Audit{}, models.Conflict("only an article in the trash can be deleted for good: delete it (to the trash) first")
		}
		if err := destroyArticle(tx, a, ifMatch); err != nil {
			return Audit{}, err
		}
		return articleAudit("purge", id, ""), nil
	})
}

// destroyArticle deletes a trashed article's row at version. Its tags and revisions go with it
// (foreign keys); its media links point at it by kind and id, which no foreign key can express.
// A slug that was fixed (published once, or set by hand) was public, or may have been: it is
// never given to another.
func destroyArticle(tx *gorm.DB, a models.Article, version int) error {
	if err := deleteVersioned(tx, &models.Article{}, "article", a.ID, version); err != nil {
		return err
	}
	if a.SlugLocked {
		if err := retireSlug(tx, articleSlugs, a.ID, a.Slug); err != nil {
			return err
		}
	}
	if err := unindexSearch(tx, KindArticle, a.ID); err != nil {
		return err
	}
	return deleteMediaLinks(tx, "article", a.ID)
}

// actorID is the actor's user id for a column naming who did something; nil for toasoan itself.
func actorID(actor Actor) *int64 {
	if actor.UserID == 0 {
		return nil
	}
	return &actor.UserID
}

// purgeArticle purges what shows a (published, or scheduled to be): its own key, every article
// list, and its category's and tags' keys, as their pages and the related boxes of the
// articles that share them may list it; and the tag list, which counts tags' articles.
func purgeArticle(tx *gorm.DB, a models.Article) { purge(tx, articlePurgeKeys(a)...) }

// purgeArticleChange purges what an article's write changed: what showed it before and what
// shows it now, while public. A write that touches a schedule (of a scheduled article, or of a
// take-down) purges the articles family too, as the next scheduled change of public content,
// which bounds what the caches keep, depends on it; with no event in the write, that purge
// never leaves toasoan.
func purgeArticleChange(tx *gorm.DB, before, after *models.Article) {
	now := tx.NowFunc()
	schedule := false
	for _, a := range []*models.Article{before, after} {
		if a == nil {
			continue
		}
		if articlePublic(*a, now) {
			purgeArticle(tx, *a)
		}
		schedule = schedule || a.Status == models.StatusScheduled || a.UnpublishAt != nil
	}
	if schedule {
		purge(tx, surrogate.Articles)
	}
}

// articlePurgeKeys are the keys purgeArticle purges.
func articlePurgeKeys(a models.Article) []string {
	var keys surrogate.Set
	keys.Add(surrogate.Article(a.ID), surrogate.Articles, surrogate.Category(a.CategoryID))
	for _, t := range a.Tags {
		keys.Add(surrogate.Tag(t.ID), surrogate.Tags)
	}
	return keys.Keys()
}

// articleAudit is the audit entry of an article's write: article.<action>.
func articleAudit(action string, id int64, detail string) Audit {
	return Audit{Action: "article." + action, TargetType: "article", TargetID: strconv.FormatInt(id, 10), Detail: detail}
}

// readArticle reads the article a write is about, with its tags (the write purges what showed
// it, its tags' pages and counts too), and lets access refuse it.
func readArticle(tx *gorm.DB, id int64, access Access) (models.Article, error) {
	var a models.Article
	if err := tx.Take(&a, id).Error; err != nil {
		return a, notFound(err, "article")
	}
	if access != nil {
		if err := access(a); err != nil {
			return a, err
		}
	}
	list := []models.Article{a}
	if err := attachTags(tx.Session(&gorm.Session{NewDB: true}), list); err != nil {
		return a, err
	}
	return list[0], nil
}

// articleChange is what one write does to an article: the columns to update, when set its new
// tags and cover, and the detail of its audit entry.
type articleChange struct {
	updates  map[string]any
	tags     *[]models.Tag
	authors  *[]int64
	coverSet bool
	cover    *int64
	ogSet    bool
	og       *int64
	detail   string
}

// changeArticle runs one versioned write. It reads the article, lets access refuse, refuses a
// stale ifMatch at once, computes the change, then updates the row only at the version it read
// (the UPDATE's WHERE decides between concurrent writers, before any other row is touched) and
// saves the rest (saveArticle); the audit entry is article.<action> with the change's detail.
func (s *Store) changeArticle(ctx context.Context, actor Actor, id int64, ifMatch int, action string, access Access,
	compute func(tx *gorm.DB, a *models.Article) (articleChange, error)) (models.Article, error) {
	var out models.Article
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		read := tx
		if ifMatch == 0 {
			// Without a client version the write must not fail because of a concurrent one: wait
			// for it instead (PostgreSQL; SQLite's write transactions are exclusive already).
			read = s.locking(tx)
		}
		a, err := readArticle(read, id, access)
		if err != nil {
			return Audit{}, err
		}
		if a.TrashedAt != nil {
			return Audit{}, models.Conflict("the article is in the trash: restore it first")
		}
		if ifMatch != 0 && ifMatch != a.Version {
			return Audit{}, models.VersionMismatch(a.Version)
		}
		before := a
		before.Tags = slices.Clone(a.Tags)
		readVersion := a.Version
		change, err := compute(tx, &a)
		if err != nil {
			return Audit{}, err
		}
		change.updates["updated_at"] = tx.NowFunc().UTC()
		if err := updateVersioned(tx, &models.Article{}, "article", id, readVersion, change.updates); err != nil {
			category, _ := change.updates["category_id"].(int64)
			return Audit{}, articleRefError(err, category, change.cover)
		}
		if out, err = saveArticle(tx, actor, id, action, &before, change); err != nil {
			return Audit{}, err
		}
		return articleAudit(action, id, change.detail), nil
	})
	if err != nil {
		return out, err
	}
	return s.withPath(ctx, out)
}

// saveArticle completes a write of the article's row: its tags and cover when they changed, its
// search entry, the purge of what showed it before and shows it now, the webhook event the
// action causes and the revision of its new version. before is the article as read (nil: it is
// new). It returns the article as saved.
func saveArticle(tx *gorm.DB, actor Actor, id int64, action string, before *models.Article, change articleChange) (models.Article, error) {
	if change.tags != nil {
		if err := setArticleTags(tx, id, *change.tags); err != nil {
			return models.Article{}, err
		}
	}
	if change.authors != nil {
		if err := setArticleAuthors(tx, id, *change.authors); err != nil {
			return models.Article{}, err
		}
	}
	if change.coverSet {
		if err := setMediaLinks(tx, "article", id, models.LinkCover, idList(change.cover), "cover_media_id"); err != nil {
			return models.Article{}, err
		}
	}
	if change.ogSet {
		if err := setMediaLinks(tx, "article", id, models.LinkOGImage, idList(change.og), "og_image_media_id"); err != nil {
			return models.Article{}, err
		}
	}
	out, err := loadArticle(tx, id)
	if err != nil {
		return out, err
	}
	if len(out.Tags) > 0 {
		if err := setTagsPublicAt(tx, out); err != nil {
			return out, err
		}
	}
	// A slug that was public, or fixed (published once, or set by hand), keeps leading here;
	// a draft's slug that followed its title was never shown to anyone.
	if before != nil && (articleAnnounced(*before) || before.SlugLocked) {
		if err := slugChanged(tx, articleSlugs, id, before.Slug, out.Slug); err != nil {
			return out, err
		}
	}
	if err := indexSearch(tx, articleSearchEntry(out)); err != nil {
		return out, err
	}
	purgeArticleChange(tx, before, &out)
	if err := announceArticle(tx, before, &out); err != nil {
		return out, err
	}
	return out, addRevision(tx, out, action, actor)
}

// applyPatch normalises a patch and applies it to a, returning the columns it changes: the
// text and flags (cleanPatch), the slug, the category and the tags. Until an article is
// published or given a slug by hand, its slug follows its title; after that only an explicit
// slug changes it.
func (s *Store) applyPatch(tx *gorm.DB, a *models.Article, p ArticlePatch) (articleChange, error) {
	change, err := s.cleanPatch(a, p)
	if err != nil {
		return change, err
	}
	u := change.updates
	if p.Title != nil && !a.SlugLocked && p.Slug == nil {
		slug, err := slugFor(tx, articleSlugs, "", a.Title, a.ID)
		if err != nil {
			return change, err
		}
		a.Slug = slug
		u["slug"] = slug
	}
	if p.Slug != nil {
		slug, err := slugFor(tx, articleSlugs, *p.Slug, "", a.ID)
		if err != nil {
			return change, err
		}
		a.Slug, a.SlugLocked = slug, true
		u["slug"], u["slug_locked"] = slug, true
	}
	if p.CategoryID != nil && (a.ID == 0 || *p.CategoryID != a.CategoryID) {
		if err := s.checkCategory(tx, *p.CategoryID); err != nil {
			return change, err
		}
		a.CategoryID = *p.CategoryID
		u["category_id"] = a.CategoryID
	}
	if p.Tags != nil {
		tags, err := resolveTags(tx, *p.Tags)
		if err != nil {
			return change, err
		}
		change.tags = &tags
	}
	if p.UnpublishAt.Set {
		a.UnpublishAt = nil
		if p.UnpublishAt.Value != nil {
			at := p.UnpublishAt.Value.UTC().Truncate(time.Microsecond)
			a.UnpublishAt = &at
		}
		if err := a.CheckTakeDown(tx.NowFunc()); err != nil {
			return change, err
		}
		u["unpublish_at"] = a.UnpublishAt
	}
	if p.AuthorIDs != nil {
		if err := checkAuthors(tx, *p.AuthorIDs); err != nil {
			return change, err
		}
		ids := slices.Clone(*p.AuthorIDs)
		a.AuthorID = ids[0]
		u["author_id"] = a.AuthorID
		change.authors = &ids
	}
	return change, nil
}

// cleanPatch applies what a patch says without the database: text is cleaned
// (models.CleanText), the body sanitised, a title required. The slug, the category and the
// tags, which depend on other rows, are left to the caller (applyPatch, ImportArticles).
func (s *Store) cleanPatch(a *models.Article, p ArticlePatch) (articleChange, error) {
	u := map[string]any{}
	change := articleChange{updates: u}
	if p.Title != nil {
		a.Title = models.CleanText(*p.Title)
		if a.Title == "" {
			return change, models.InvalidField("title", "is required")
		}
		u["title"] = a.Title
	}
	if p.Summary != nil {
		a.Summary = models.CleanText(*p.Summary)
		u["summary"] = a.Summary
	}
	if p.Body != nil {
		a.Body = s.bodies.Sanitize(*p.Body)
		a.WordCount = len(strings.Fields(search.StripHTML(a.Body)))
		a.ReadingTime = models.ReadingMinutes(a.WordCount)
		u["body"], u["word_count"], u["reading_time"] = a.Body, a.WordCount, a.ReadingTime
	}
	if p.MetaTitle != nil {
		a.MetaTitle = models.CleanText(*p.MetaTitle)
		u["meta_title"] = a.MetaTitle
	}
	if p.MetaDescription != nil {
		a.MetaDescription = models.CleanText(*p.MetaDescription)
		u["meta_description"] = a.MetaDescription
	}
	if p.CanonicalURL != nil {
		a.CanonicalURL = strings.TrimSpace(*p.CanonicalURL)
		if a.CanonicalURL != "" && !models.IsWebURL(a.CanonicalURL) {
			return change, models.InvalidField("canonical_url", "must be an absolute http or https URL, such as https://mattran.org.vn/articles/ky-ket")
		}
		u["canonical_url"] = a.CanonicalURL
	}
	if p.Noindex != nil {
		a.Noindex = *p.Noindex
		u["noindex"] = a.Noindex
	}
	if p.OGImage.Set {
		a.OGImageMediaID = p.OGImage.Value
		u["og_image_media_id"] = a.OGImageMediaID
		change.ogSet, change.og = true, a.OGImageMediaID
	}
	if p.CoverCaption != nil {
		a.CoverCaption = models.CleanText(*p.CoverCaption)
		u["cover_caption"] = a.CoverCaption
	}
	if p.Byline != nil {
		a.Byline = models.CleanText(*p.Byline)
		u["byline"] = a.Byline
	}
	if p.Featured != nil {
		a.Featured = *p.Featured
		u["featured"] = a.Featured
	}
	if p.Cover.Set {
		a.CoverMediaID = p.Cover.Value
		u["cover_media_id"] = a.CoverMediaID
		change.coverSet, change.cover = true, a.CoverMediaID
	}
	return change, nil
}

// checkCategory checks that an article's category exists; the foreign key keeps it until the
// transaction ends.
func (s *Store) checkCategory(tx *gorm.DB, id int64) error {
	var found []int64
	if err := tx.Model(&models.Category{}).Where("id = ?", id).Pluck("id", &found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		return categoryMissing("category_id", id)
	}
	return nil
}

// articleRefError gives the write of an article row that a foreign key refused the field error
// of the check it came before: the cover is checked by setMediaLinks once the row is written,
// and the category may be deleted between checkCategory and the write (PostgreSQL, which names
// the constraint; SQLite's write transactions are exclusive, so there it is the cover).
func articleRefError(err error, categoryID int64, cover *int64) error {
	if !isForeignKey(err) {
		return err
	}
	if cover == nil || violatedConstraint(err) == "fk_articles_category" {
		return categoryMissing("category_id", categoryID)
	}
	return models.InvalidField("cover_media_id", fmt.Sprintf("media %d does not exist", *cover))
}

// articleSearchEntry is what search knows of an article: its title, and its summary and body
// as text. The public finds it from its publication time on, as on the public list.
func articleSearchEntry(a models.Article) SearchEntry {
	e := SearchEntry{
		Kind:     KindArticle,
		ItemID:   a.ID,
		Slug:     a.Slug,
		Title:    a.Title,
		Body:     strings.TrimSpace(a.Summary + " " + search.StripHTML(a.Body)),
		Public:   (a.Status == models.StatusPublished || a.Status == models.StatusScheduled) && a.PublishedAt != nil,
		SortTime: a.CreatedAt,
	}
	if e.Public {
		e.PublicFrom, e.SortTime = a.PublishedAt, *a.PublishedAt
	}
	return e
}

func idList(id *int64) []int64 {
	if id == nil {
		return nil
	}
	return []int64{*id}
}

// withRelations preloads what every view of an article shows: category, author (id and name
// only) and cover, one query each for a whole list. Tags come from attachTags.
func withRelations(db *gorm.DB) *gorm.DB {
	return db.Preload("Category").
		Preload("Author", func(db *gorm.DB) *gorm.DB { return db.Select("id", "name") }).
		Preload("Cover").Preload("OGImage")
}

// publicRelations reads what every public view of an article shows: its cover (one query for a
// whole list, none when no article has one) and which tags and users it has (one query); the
// category, the tags and the authors' profiles come from the memo.
func (s *Store) publicRelations(ctx context.Context, list []models.Article) error {
	if err := s.attachCovers(ctx, list); err != nil {
		return err
	}
	if err := s.attachPublicTags(ctx, list); err != nil {
		return err
	}
	return s.attachCategories(ctx, list)
}

// attachPublicTags fills the tags and the authors of a list of articles: which tags each
// carries and which users author it, in order, from article_tags and article_authors in one
// query of a few columns; the tags and the authors' profiles themselves from the memo.
func (s *Store) attachPublicTags(ctx context.Context, list []models.Article) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := make(map[int64]int, len(list))
	for i, a := range list {
		ids[i], at[a.ID] = a.ID, i
		list[i].Tags = nil
	}
	tagPairs, authorPairs, err := articleLinks(s.db.WithContext(ctx), ids)
	if err != nil {
		return err
	}
	tags, err := s.tagsByID(ctx, false)
	if err != nil {
		return err
	}
	for _, p := range tagPairs {
		t, ok := tags[p[1]]
		if !ok { // created since the memo was read
			if tags, err = s.tagsByID(ctx, true); err != nil {
				return err
			}
			t = tags[p[1]]
		}
		i := at[p[0]]
		list[i].Tags = append(list[i].Tags, t)
	}
	return s.fillPublicAuthors(ctx, list, at, authorPairs)
}

// articleLinks reads, in one query, the (article, tag) and (article, author) pairs of the
// articles, each in its article's order.
func articleLinks(db *gorm.DB, ids []int64) (tagPairs, authorPairs [][2]int64, err error) {
	rows, err := db.Raw(`SELECT 0 AS kind, article_id, tag_id AS ref, position FROM article_tags WHERE article_id IN ?
		UNION ALL SELECT 1 AS kind, article_id, user_id AS ref, position FROM article_authors WHERE article_id IN ?
		ORDER BY kind, article_id, position`, ids, ids).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, position int
		var p [2]int64
		if err := rows.Scan(&kind, &p[0], &p[1], &position); err != nil {
			return nil, nil, err
		}
		if kind == 0 {
			tagPairs = append(tagPairs, p)
		} else {
			authorPairs = append(authorPairs, p)
		}
	}
	return tagPairs, authorPairs, rows.Err()
}

// attachCovers fills the covers and Open Graph images of a list of articles in one query, none
// when none has one.
func (s *Store) attachCovers(ctx context.Context, list []models.Article) error {
	var ids []int64
	for _, a := range list {
		if a.CoverMediaID != nil {
			ids = append(ids, *a.CoverMediaID)
		}
		if a.OGImageMediaID != nil {
			ids = append(ids, *a.OGImageMediaID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byID, err := mediaByID(s.db.WithContext(ctx), ids)
	if err != nil {
		return err
	}
	for i, a := range list {
		if a.CoverMediaID != nil {
			list[i].Cover = byID[*a.CoverMediaID]
		}
		if a.OGImageMediaID != nil {
			list[i].OGImage = byID[*a.OGImageMediaID]
		}
	}
	return nil
}

// attachCategories fills the category of each article from the memo; a category the memo
// lacks (created a moment ago by another process) makes it read the table again, once.
func (s *Store) attachCategories(ctx context.Context, list []models.Article) error {
	cats, err := s.categories(ctx, false)
	if err != nil {
		return err
	}
	for i, a := range list {
		if _, ok := cats.byID[a.CategoryID]; !ok {
			if cats, err = s.categories(ctx, true); err != nil {
				return err
			}
		}
		if j, ok := cats.byID[a.CategoryID]; ok {
			list[i].Category = cats.list[j]
			list[i].Category.Path = cats.path(a.CategoryID)
		}
	}
	return nil
}

// attachTags fills the tags of a list of articles in one query.
func attachTags(db *gorm.DB, list []models.Article) error {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	tags, err := tagsOf(db, ids)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Tags = tags[list[i].ID]
	}
	return nil
}

// loadArticle reads one article with everything it shows.
func loadArticle(db *gorm.DB, id int64) (models.Article, error) {
	var a models.Article
	if err := withRelations(db).Take(&a, id).Error; err != nil {
		return a, notFound(err, "article")
	}
	list := []models.Article{a}
	if err := attachTags(db, list); err != nil {
		return a, err
	}
	err := attachAuthors(db, list)
	return list[0], err
}

// ArticleByID reads an article of any status, if access allows.
func (s *Store) ArticleByID(ctx context.Context, id int64, access Access) (models.Article, error) {
	a, err := loadArticle(s.db.WithContext(ctx), id)
	if err != nil {
		return a, err
	}
	if access != nil {
		if err := access(a); err != nil {
			return models.Article{}, err
		}
	}
	return s.withPath(ctx, a)
}

// withPath is the article with its category's path.
func (s *Store) withPath(ctx context.Context, a models.Article) (models.Article, error) {
	list := []models.Article{a}
	err := s.attachPaths(ctx, list)
	return list[0], err
}

// EditorialQuery filters the editorial list of articles.
type EditorialQuery struct {
	Now      time.Time
	Status   string // as of Now: a scheduled article whose time has come counts as published
	AuthorID int64  // primary or co-author
	OwnerID  int64  // authors see only their own articles (as primary author)
	Text     string
	// CategorySlug keeps the articles of the category and its sub-categories, as the public
	// filter does; an unknown slug matches nothing.
	CategorySlug string
	TagSlug      string
	Sort         string // one of EditorialSorts; "": -updated_at
	Trashed      bool   // the trash instead of the articles outside it
}

// EditorialSorts are the orders of the editorial list: a leading - is descending, and ties go
// to the newest id.
var EditorialSorts = []string{"-updated_at", "-published_at", "-created_at", "title"}

// editorialOrder is the ORDER BY of an editorial sort: an article never published sorts last
// by -published_at.
func editorialOrder(sort string) string {
	switch sort {
	case "-published_at":
		return "articles.published_at IS NULL, articles.published_at DESC, articles.id DESC"
	case "-created_at":
		return "articles.created_at DESC, articles.id DESC"
	case "title":
		return "articles.title, articles.id DESC"
	default:
		return "articles.updated_at DESC, articles.id DESC"
	}
}

// EditorialArticles returns a page of articles of every status, in the trash or not (f.Trashed),
// in the order f.Sort asks, and the total; a constant number of queries whatever the page size.
func (s *Store) EditorialArticles(ctx context.Context, f EditorialQuery, p models.Page) ([]models.Article, int64, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&models.Article{})
	if f.Trashed {
		q = q.Where("articles.trashed_at IS NOT NULL")
	} else {
		q = q.Where("articles.trashed_at IS NULL")
	}
	now := f.Now.UTC()
	switch f.Status {
	case "":
	case models.StatusPublished:
		q = q.Where("articles.status = ? OR (articles.status = ? AND articles.published_at <= ?)", models.StatusPublished, models.StatusScheduled, now)
	case models.StatusScheduled:
		q = q.Where("articles.status = ? AND articles.published_at > ?", models.StatusScheduled, now)
	default:
		q = q.Where("articles.status = ?", f.Status)
	}
	if f.AuthorID != 0 {
		q = q.Where("articles.id IN (?)", db.Model(&articleAuthor{}).Select("article_id").Where("user_id = ?", f.AuthorID))
	}
	if f.OwnerID != 0 {
		q = q.Where("articles.author_id = ?", f.OwnerID)
	}
	if f.Text != "" {
		q = s.matchSearch(ctx, q, "articles.id", KindArticle, f.Text)
	}
	if f.CategorySlug != "" {
		all, err := s.categories(ctx, false)
		if err != nil {
			return nil, 0, err
		}
		q = q.Where("articles.category_id IN ?", subtreeIDs(all.list, f.CategorySlug))
	}
	if f.TagSlug != "" {
		q = q.Where("articles.id IN (?)", db.Table("article_tags").Select("article_tags.article_id").
			Joins("JOIN tags ON tags.id = article_tags.tag_id").Where("tags.slug = ?", f.TagSlug))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var list []models.Article
	err := withRelations(q).Omit("body").Order(editorialOrder(f.Sort)).
		Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error
	if err != nil {
		return nil, 0, err
	}
	if err := attachTags(s.db.WithContext(ctx), list); err != nil {
		return nil, 0, err
	}
	if err := attachAuthors(s.db.WithContext(ctx), list); err != nil {
		return nil, 0, err
	}
	return list, total, s.attachPaths(ctx, list)
}

// ArticleCursor is a position in the public list, newest first: the last article seen.
type ArticleCursor struct {
	PublishedAt time.Time
	ID          int64
}

// PublicQuery filters the public list of articles.
type PublicQuery struct {
	Now          time.Time
	CategorySlug string // includes its sub-categories; an unknown slug matches nothing
	TagSlug      string
	Featured     *bool
	AuthorID     int64      // primary or co-author
	From, To     *time.Time // published_at in [From, To)
	Text         string
	ByViews      bool // most viewed first (the shown counts), instead of newest first
	// ViewsSince, with ByViews, ranks by the shown views of the days from this one (a newsroom
	// day, YYYY-MM-DD) to today instead of all time, and lists only articles read in them.
	ViewsSince string
	After      *ArticleCursor // keyset pagination (newest first only): no total, no offset
	// UpdatedSince keeps the articles edited or gone live at or after it (updated_at or
	// published_at), for apps that poll for changes (the sync feed also tells of removals).
	UpdatedSince *time.Time
}

// PublicList is a page of the public list. Total is nil with a cursor; More says whether
// articles follow.
type PublicList struct {
	Articles []models.Article
	Total    *int64
	More     bool
}

// PublicArticles returns a page of publicly visible articles. With a cursor the page is read by
// keyset on (published_at, id), so articles published between two pages, which sort before
// the cursor, never shift what follows it: nothing repeats and nothing is skipped. The number
// of queries is constant whatever the page size.
func (s *Store) PublicArticles(ctx context.Context, f PublicQuery, p models.Page) (PublicList, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&models.Article{}).Where(publiclyVisible, f.Now.UTC())
	if f.CategorySlug != "" {
		all, err := s.categories(ctx, false)
		if err != nil {
			return PublicList{}, err
		}
		q = q.Where("articles.category_id IN ?", subtreeIDs(all.list, f.CategorySlug))
	}
	if f.TagSlug != "" {
		q = q.Where("articles.id IN (?)", db.Table("article_tags").Select("article_tags.article_id").
			Joins("JOIN tags ON tags.id = article_tags.tag_id").Where("tags.slug = ?", f.TagSlug))
	}
	if f.Featured != nil {
		q = q.Where("articles.featured = ?", *f.Featured)
	}
	if f.AuthorID != 0 { // primary or co-author
		q = q.Where("articles.id IN (?)", db.Model(&articleAuthor{}).Select("article_id").Where("user_id = ?", f.AuthorID))
	}
	if f.From != nil {
		q = q.Where("articles.published_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("articles.published_at < ?", f.To.UTC())
	}
	if f.Text != "" {
		q = s.matchSearch(ctx, q, "articles.id", KindArticle, f.Text)
	}
	if f.UpdatedSince != nil {
		q = q.Where("(articles.updated_at >= ? OR articles.published_at >= ?)", f.UpdatedSince.UTC(), f.UpdatedSince.UTC())
	}
	if f.ByViews && f.ViewsSince != "" {
		recent := db.Table("article_views_daily").Select("article_id, SUM(shown_views) AS views").
			Where("day >= ?", f.ViewsSince).Group("article_id").Having("SUM(shown_views) > 0")
		q = q.Joins("JOIN (?) AS recent_views ON recent_views.article_id = articles.id", recent)
	}
	var out PublicList
	limit := p.PerPage
	if f.After != nil {
		q = q.Where("(articles.published_at, articles.id) < (?, ?)", f.After.PublishedAt.UTC(), f.After.ID)
		limit++ // one more tells whether a next page exists
	} else {
		total, err := memoized(ctx, s, "articles:"+f.countKey(), []string{surrogate.Articles, surrogate.Categories, surrogate.Tags, surrogate.Abbreviations}, f.Now, true,
			func() (int64, error) {
				var n int64
				return n, q.Session(&gorm.Session{}).Count(&n).Error
			})
		if err != nil {
			return out, err
		}
		out.Total = &total
		q = q.Offset(p.Offset())
	}
	order := "articles.published_at DESC, articles.id DESC"
	switch {
	case f.ByViews && f.ViewsSince != "":
		order = "recent_views.views DESC, " + order
	case f.ByViews:
		order = "articles.shown_view_count DESC, " + order
	}
	rows := q.Omit("body").Order(order).Limit(limit)
	if !f.ByViews {
		// The page's ids first, from the index alone (articles_public carries the category),
		// then only its rows: the rows skipped on the way to a deep page are never read.
		rows = db.Model(&models.Article{}).Omit("body").Where("articles.id IN (?)", q.Select("articles.id").Order(order).Limit(limit)).Order(order)
	}
	if err := rows.Find(&out.Articles).Error; err != nil {
		return out, err
	}
	if f.After != nil {
		out.More = len(out.Articles) > p.PerPage
		out.Articles = out.Articles[:min(len(out.Articles), p.PerPage)]
	} else {
		out.More = int64(p.Offset()+len(out.Articles)) < *out.Total
	}
	return out, s.publicRelations(ctx, out.Articles)
}

// countKey names the filter of a total in the memo: every field but the time (the memo keeps a
// total only until the next scheduled change) and the cursor (no total is given with one).
func (f PublicQuery) countKey() string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	featured := ""
	if f.Featured != nil {
		featured = strconv.FormatBool(*f.Featured)
	}
	return strings.Join([]string{f.CategorySlug, f.TagSlug, featured, strconv.FormatInt(f.AuthorID, 10),
		day(f.From), day(f.To), f.Text, strconv.FormatBool(f.ByViews), f.ViewsSince, day(f.UpdatedSince)}, "\x00")
}

// ArticleSitemap lists the articles publicly visible at now for the sitemap, but noindex ones, newest first and
// at most limit: three columns, read along the public index.
func (s *Store) ArticleSitemap(ctx context.Context, now time.Time, limit int) ([]SitemapEntry, error) {
	var out []SitemapEntry
	err := s.db.WithContext(ctx).Model(&models.Article{}).Select("articles.id, articles.slug, articles.updated_at").
		Where(publiclyVisible, now.UTC()).Where("articles.noindex = ?", false).
		Order("articles.published_at DESC, articles.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// subtreeIDs is the id of the category with the slug and of all its descendants; none when
// no category has the slug.
func subtreeIDs(all []models.Category, slug string) []int64 {
	children := map[int64][]int64{}
	var root int64
	for _, c := range all {
		if c.ParentID != nil {
			children[*c.ParentID] = append(children[*c.ParentID], c.ID)
		}
		if c.Slug == slug {
			root = c.ID
		}
	}
	if root == 0 {
		return []int64{0} // no id is 0: matches nothing
	}
	ids := []int64{root}
	for i := 0; i < len(ids) && i <= len(all); i++ {
		ids = append(ids, children[ids[i]]...)
	}
	return ids
}

// PublicArticle finds a publicly visible article by slug.
func (s *Store) PublicArticle(ctx context.Context, slug string, now time.Time) (models.Article, error) {
	var a models.Article
	err := s.db.WithContext(ctx).Where("articles.slug = ?", slug).Where(publiclyVisible, now.UTC()).Take(&a).Error
	if err != nil {
		return a, notFound(err, "article")
	}
	list := []models.Article{a}
	err = s.publicRelations(ctx, list)
	return list[0], err
}

// relatedTagLimit bounds the tags whose articles the related box looks at: the first ones of
// the article's list, as its editor ordered them.
const relatedTagLimit = 10

// RelatedArticles returns up to limit publicly visible articles that share the article's
// category or one of its first tags, newest first, without the article itself. Each source (the
// category, each tag) is a newest-first read of at most limit rows along its index
// (articles_public_category, article_tags_public), so the cost stays the same however big the
// archive and however rare the tag; the sources are merged in SQL and the articles read in the
// same query.
func (s *Store) RelatedArticles(ctx context.Context, a models.Article, now time.Time, limit int) ([]models.Article, error) {
	db := s.db.WithContext(ctx)
	now = now.UTC()
	sources := []*gorm.DB{db.Model(&models.Article{}).Select("articles.id, articles.published_at").
		Where(publiclyVisible, now).Where("articles.category_id = ? AND articles.id <> ?", a.CategoryID, a.ID).
		Order("articles.published_at DESC, articles.id DESC").Limit(limit)}
	for _, t := range a.Tags[:min(len(a.Tags), relatedTagLimit)] {
		sources = append(sources, db.Model(&articleTag{}).Select("article_id AS id, public_at AS published_at").
			Where("tag_id = ? AND public_at <= ? AND article_id <> ?", t.ID, now, a.ID).
			Order("public_at DESC, article_id DESC").Limit(limit))
	}
	parts := make([]string, len(sources))
	args := make([]any, len(sources), len(sources)+1)
	for i, source := range sources {
		parts[i] = "SELECT id, published_at FROM (?) AS source" + strconv.Itoa(i)
		args[i] = source
	}
	ids := db.Raw("SELECT id FROM ("+strings.Join(parts, " UNION ")+") AS related ORDER BY published_at DESC, id DESC LIMIT ?",
		append(args, limit)...)
	var list []models.Article
	err := db.Omit("body").Where("articles.id IN (?)", ids).
		Order("articles.published_at DESC, articles.id DESC").Find(&list).Error
	if err != nil {
		return nil, err
	}
	return list, s.publicRelations(ctx, list)
}

// MaxArticleIDs bounds the ids of one batch read (PublicArticlesByID).
const MaxArticleIDs = 100

// PublicArticlesByID returns the articles among ids that are publicly visible at now, in the
// order of ids (a repeated id once); the others (missing, drafts, scheduled ones not yet live,
// archived, trashed) are simply absent. One query reads the rows, then the usual relation
// queries: the number of queries does not grow with the ids.
func (s *Store) PublicArticlesByID(ctx context.Context, ids []int64, now time.Time) ([]models.Article, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []models.Article
	err := s.db.WithContext(ctx).Omit("body").Where("articles.id IN ?", ids).
		Where(publiclyVisible, now.UTC()).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]models.Article, len(rows))
	for _, a := range rows {
		byID[a.ID] = a
	}
	list := make([]models.Article, 0, len(rows))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			list = append(list, a)
			delete(byID, id)
		}
	}
	return list, s.publicRelations(ctx, list)
}
