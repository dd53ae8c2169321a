package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Authors: a user's public profile (slug, name, title, bio, avatar) and the authors of each
// article, in order, the first the primary one (articles.author_id). Nothing of the account
// (email, role, activity, logins) is ever read for a public view: the memo reads only the
// profile's columns.

// maxArticleAuthors bounds the authors of one article.
const maxArticleAuthors = 10

// articleAuthor is a row of article_authors: one author of an article, at its position.
type articleAuthor struct {
	ArticleID int64 `gorm:"primaryKey"`
	UserID    int64 `gorm:"primaryKey"`
	Position  int
}

func (articleAuthor) TableName() string { return "article_authors" }

// authorSlugFrom is the slug a new user's profile is made from: their name's, never only
// digits (?author= reads digits as an id).
func authorSlugFrom(name string) string {
	slug := slugFrom(name, "tac-gia")
	if strings.Trim(slug, "0123456789-") == "" {
		return "tac-gia-" + slug
	}
	return slug
}

// authorProfiles is every user's public profile by id (id, name, slug, title, bio, avatar),
// from the memo: what articles show of their authors and what the author pages show.
func (s *Store) authorProfiles(ctx context.Context, fresh bool) (map[int64]models.User, error) {
	const key = "authors:profiles"
	if fresh {
		s.memo.forget(key)
	}
	return memoized(ctx, s, key, []string{familyAuthors, "media"}, s.Now(), false, func() (map[int64]models.User, error) {
		var rows []models.User
		db := s.db.WithContext(ctx)
		if err := db.Select("id", "name", "slug", "title", "bio", "avatar_media_id").Find(&rows).Error; err != nil {
			return nil, err
		}
		if err := attachAvatars(db, rows); err != nil {
			return nil, err
		}
		out := make(map[int64]models.User, len(rows))
		for _, u := range rows {
			out[u.ID] = u
		}
		return out, nil
	})
}

// attachAvatars fills the avatars of users in one query, none when none has one.
func attachAvatars(db *gorm.DB, users []models.User) error {
	var ids []int64
	for _, u := range users {
		if u.AvatarMediaID != nil {
			ids = append(ids, *u.AvatarMediaID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byID, err := mediaByID(db, ids)
	if err != nil {
		return err
	}
	for i, u := range users {
		if u.AvatarMediaID != nil {
			users[i].Avatar = byID[*u.AvatarMediaID]
		}
	}
	return nil
}

// fillPublicAuthors fills the authors of a list of articles (at: each article's index in it)
// from the (article, user) pairs read with their tags, the profiles from the memo (read again
// once when one is missing: a user created a moment ago by another process). The primary
// author (Author) comes from the same profiles.
func (s *Store) fillPublicAuthors(ctx context.Context, list []models.Article, at map[int64]int, pairs [][2]int64) error {
	profiles, err := s.authorProfiles(ctx, false)
	if err != nil {
		return err
	}
	lookup := func(id int64) (models.User, error) {
		if u, ok := profiles[id]; ok {
			return u, nil
		}
		if profiles, err = s.authorProfiles(ctx, true); err != nil {
			return models.User{}, err
		}
		return cmp.Or(profiles[id], models.User{ID: id}), nil
	}
	for i := range list {
		list[i].Authors = nil
	}
	for _, p := range pairs {
		u, err := lookup(p[1])
		if err != nil {
			return err
		}
		i := at[p[0]]
		list[i].Authors = append(list[i].Authors, u)
	}
	for i, a := range list {
		u, err := lookup(a.AuthorID)
		if err != nil {
			return err
		}
		list[i].Author = models.User{ID: u.ID, Name: u.Name}
		if len(list[i].Authors) == 0 { // never: every write keeps the primary author listed
			list[i].Authors = []models.User{u}
		}
	}
	return nil
}

// attachAuthors fills the authors of a list of articles as db reads them (in a write's
// transaction: as it has just written them): one query for the list, and one for the avatars.
func attachAuthors(db *gorm.DB, list []models.Article) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := make(map[int64]int, len(list))
	for i, a := range list {
		ids[i], at[a.ID] = a.ID, i
		list[i].Authors = nil
	}
	var rows []struct {
		ArticleID int64
		models.User
	}
	err := db.Table("article_authors").
		Select("article_authors.article_id, users.id, users.name, users.slug, users.title, users.avatar_media_id").
		Joins("JOIN users ON users.id = article_authors.user_id").
		Where("article_authors.article_id IN ?", ids).Order("article_authors.article_id, article_authors.position").
		Scan(&rows).Error
	if err != nil {
		return err
	}
	users := make([]models.User, len(rows))
	for i, r := range rows {
		users[i] = r.User
	}
	if err := attachAvatars(db, users); err != nil {
		return err
	}
	for i, r := range rows {
		k := at[r.ArticleID]
		list[k].Authors = append(list[k].Authors, users[i])
	}
	return nil
}

// checkAuthors checks a list of authors for an article: one to maxArticleAuthors users that
// exist, none twice.
func checkAuthors(tx *gorm.DB, ids []int64) error {
	const field = "author_ids"
	if len(ids) == 0 {
		return models.InvalidField(field, "must name at least one author (the first is the primary author)")
	}
	if len(ids) > maxArticleAuthors {
		return models.InvalidField(field, fmt.Sprintf("may name at most %d authors", maxArticleAuthors))
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id < 1 {
			return models.InvalidField(field, "must be user ids (positive integers)")
		}
		if seen[id] {
			return models.InvalidField(field, fmt.Sprintf("names user %d twice", id))
		}
		seen[id] = true
	}
	var found []int64
	if err := tx.Model(&models.User{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return models.InvalidField(field, fmt.Sprintf("user %d does not exist", id))
		}
	}
	return nil
}

// setArticleAuthors replaces the authors of an article, in order.
func setArticleAuthors(tx *gorm.DB, articleID int64, ids []int64) error {
	if err := tx.Where("article_id = ?", articleID).Delete(&articleAuthor{}).Error; err != nil {
		return err
	}
	rows := make([]articleAuthor, len(ids))
	for i, id := range ids {
		rows[i] = articleAuthor{ArticleID: articleID, UserID: id, Position: i}
	}
	return tx.Create(&rows).Error
}

// PublicAuthor is an author with at least one publicly visible article, and how many.
type PublicAuthor struct {
	models.User
	ArticleCount int64
}

// publicAuthorCounts is how many publicly visible articles each author has (as primary or
// co-author), from the memo until the next scheduled change or a write of articles or authors.
func (s *Store) publicAuthorCounts(ctx context.Context, now time.Time) (map[int64]int64, error) {
	return memoized(ctx, s, "authors:counts", []string{surrogate.Articles, familyAuthors}, now, true, func() (map[int64]int64, error) {
		var rows []struct {
			UserID int64
			N      int64
		}
		err := s.db.WithContext(ctx).Table("article_authors").Select("article_authors.user_id, COUNT(*) AS n").
			Joins("JOIN articles ON articles.id = article_authors.article_id").
			Where(publiclyVisible, now.UTC()).Group("article_authors.user_id").Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		out := make(map[int64]int64, len(rows))
		for _, r := range rows {
			out[r.UserID] = r.N
		}
		return out, nil
	})
}

// PublicAuthors returns a page of the authors with at least one publicly visible article, in
// the order of their slugs (their names without diacritics), and their total.
func (s *Store) PublicAuthors(ctx context.Context, now time.Time, p models.Page) ([]PublicAuthor, int64, error) {
	counts, err := s.publicAuthorCounts(ctx, now)
	if err != nil {
		return nil, 0, err
	}
	profiles, err := s.authorProfiles(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	all := make([]PublicAuthor, 0, len(counts))
	for id, n := range counts {
		u, ok := profiles[id]
		if !ok {
			if profiles, err = s.authorProfiles(ctx, true); err != nil {
				return nil, 0, err
			}
			u = profiles[id]
		}
		all = append(all, PublicAuthor{User: u, ArticleCount: n})
	}
	slices.SortFunc(all, func(a, b PublicAuthor) int { return cmp.Or(cmp.Compare(a.Slug, b.Slug), cmp.Compare(a.ID, b.ID)) })
	from := min(p.Offset(), len(all))
	return all[from:min(from+p.PerPage, len(all))], int64(len(all)), nil
}

// PublicAuthorBySlug finds the author with the slug, if they have a publicly visible article
// (not found otherwise: a profile shows once its author has published).
func (s *Store) PublicAuthorBySlug(ctx context.Context, slug string, now time.Time) (PublicAuthor, error) {
	id, err := s.authorIDBySlug(ctx, slug)
	if err != nil {
		return PublicAuthor{}, err
	}
	counts, err := s.publicAuthorCounts(ctx, now)
	if err != nil {
		return PublicAuthor{}, err
	}
	if counts[id] == 0 {
		return PublicAuthor{}, models.NotFound("author")
	}
	profiles, err := s.authorProfiles(ctx, false)
	if err != nil {
		return PublicAuthor{}, err
	}
	return PublicAuthor{User: profiles[id], ArticleCount: counts[id]}, nil
}

// authorIDBySlug is the user whose profile has the slug (not found: none): from the memo's
// profiles, or, for a slug they lack (a user created since, by another process), one indexed
// read of that slug, so an unknown slug costs one small query and never refills the memo.
func (s *Store) authorIDBySlug(ctx context.Context, slug string) (int64, error) {
	profiles, err := s.authorProfiles(ctx, false)
	if err != nil {
		return 0, err
	}
	for id, u := range profiles {
		if u.Slug == slug {
			return id, nil
		}
	}
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&models.User{}).Where("slug = ?", slug).Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, models.NotFound("author")
	}
	return ids[0], nil
}

// AuthorFilter is the user id an ?author= value names: digits are an id, anything else a slug
// (0 when no author has it: the filter then matches nothing).
func (s *Store) AuthorFilter(ctx context.Context, value string) (int64, error) {
	if id, err := strconv.ParseInt(value, 10, 64); err == nil {
		return id, nil
	}
	id, err := s.authorIDBySlug(ctx, value)
	if models.ErrorCode(err) == models.CodeNotFound {
		return 0, nil
	}
	return id, err
}

// ProfilePatch holds the fields of a profile to change; nil (Avatar: not Set) means unchanged,
// and an Avatar set to null removes it.
type ProfilePatch struct {
	Name   *string
	Title  *string
	Bio    *string
	Avatar models.Nullable[int64]
}

// Profile reads a user's profile with its avatar, for its editors.
func (s *Store) Profile(ctx context.Context, id int64) (models.User, error) {
	db := s.db.WithContext(ctx)
	var u models.User
	if err := db.Take(&u, id).Error; err != nil {
		return u, notFound(err, "user")
	}
	list := []models.User{u}
	err := attachAvatars(db, list)
	return list[0], err
}

// UpdateProfile changes a user's profile at the version the client read (the account's: the
// profile is part of it). The slug stays: links to an author page never break. It purges the
// author's page and every response that shows them (their articles, the lists).
func (s *Store) UpdateProfile(ctx context.Context, actor Actor, id int64, version int, p ProfilePatch) (models.User, error) {
	var u models.User
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &u, "user", id, version); err != nil {
			return Audit{}, err
		}
		updates := map[string]any{}
		var fields []string
		if p.Name != nil {
			name := models.CleanText(*p.Name)
			if name == "" {
				return Audit{}, models.InvalidField("name", "is required")
			}
			updates["name"], fields = name, append(fields, "name")
		}
		if p.Title != nil {
			updates["title"], fields = models.CleanText(*p.Title), append(fields, "title")
		}
		if p.Bio != nil {
			updates["bio"], fields = models.CleanText(*p.Bio), append(fields, "bio")
		}
		if p.Avatar.Set {
			if err := setMediaLinks(tx, models.OwnerUser, id, models.LinkAvatar, idList(p.Avatar.Value), "avatar_media_id"); err != nil {
				return Audit{}, err
			}
			updates["avatar_media_id"], fields = p.Avatar.Value, append(fields, "avatar")
		}
		if err := updateVersioned(tx, &models.User{}, "user", id, version, updates); err != nil {
			return Audit{}, err
		}
		purge(tx, surrogate.Author(id))
		if err := tx.Take(&u, id).Error; err != nil {
			return Audit{}, err
		}
		list := []models.User{u}
		if err := attachAvatars(tx, list); err != nil {
			return Audit{}, err
		}
		u = list[0]
		return Audit{Action: "user.profile_update", TargetType: "user", TargetID: strconv.FormatInt(id, 10), Detail: strings.Join(fields, ",")}, nil
	})
	return u, err
}

// slugOfNewAuthor is the profile slug of a user created in tx: made from the name, numbered
// when taken.
func slugOfNewAuthor(tx *gorm.DB, name string) (string, error) {
	return uniqueSlug(tx, "users", authorSlugFrom(name), 0)
}
