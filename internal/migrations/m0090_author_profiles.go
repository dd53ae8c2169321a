package migrations

import (
	"strconv"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/search"
)

// m0090AuthorProfiles gives every user a public author profile and articles several authors.
//
// The profile is a user's public face, kept on the users table beside the account (its version
// is the account's): slug (unique, made from the name, never all digits so that ?author= can
// tell an id from a slug), title ("Phóng viên"), bio and avatar (a media id, linked in
// media_links as the avatar of owner "user"). Existing users get a slug from their name here,
// numbered in id order when two names make the same slug.
//
// article_authors lists each article's authors in order; the first is the primary author,
// the one articles.author_id names. Every existing article gets its author as its only one.
var m0090AuthorProfiles = &gormigrate.Migration{
	ID: "0090_author_profiles",
	Migrate: func(tx *gorm.DB) error {
		for _, stmt := range []string{
			`ALTER TABLE users ADD COLUMN slug VARCHAR(100)`,
			`ALTER TABLE users ADD COLUMN title VARCHAR(100) NOT NULL DEFAULT ''`,
			`ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE users ADD COLUMN avatar_media_id BIGINT`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		var users []struct {
			ID   int64
			Name string
		}
		if err := tx.Table("users").Select("id, name").Order("id").Scan(&users).Error; err != nil {
			return err
		}
		taken := map[string]bool{}
		for _, u := range users {
			base := authorSlug0090(u.Name)
			slug := base
			for n := 2; taken[slug]; n++ {
				slug = base + "-" + strconv.Itoa(n)
			}
			taken[slug] = true
			if err := tx.Exec(`UPDATE users SET slug = ? WHERE id = ?`, slug, u.ID).Error; err != nil {
				return err
			}
		}
		for _, stmt := range []string{
			`CREATE UNIQUE INDEX idx_users_slug ON users (slug)`,
			`CREATE TABLE article_authors (
				article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL REFERENCES users (id),
				position INTEGER NOT NULL,
				PRIMARY KEY (article_id, user_id)
			)`,
			`CREATE INDEX idx_article_authors_user ON article_authors (user_id, article_id)`,
			`INSERT INTO article_authors (article_id, user_id, position) SELECT id, author_id, 0 FROM articles`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// authorSlug0090 is the slug of an author's name as this migration made it (frozen).
func authorSlug0090(name string) string {
	slug := search.Slugify(name)
	if slug == "" {
		return "tac-gia"
	}
	if strings.Trim(slug, "0123456789-") == "" {
		return "tac-gia-" + slug
	}
	return slug
}
