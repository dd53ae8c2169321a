package handlers

import "github.com/toasoan/toasoan/internal/models"

// References: how a response names another item. One view per kind of item named, built from
// its model by one function, so the same item reads the same wherever it appears.

// categoryRef names a category: an article's.
type categoryRef struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug" example:"tin-moi"`
	Name string `json:"name" example:"Tin mới"`
} // @name CategoryRef

func toCategoryRef(c models.Category) categoryRef {
	return categoryRef{ID: c.ID, Slug: c.Slug, Name: c.Name}
}

// articleCategory is an article's category with its path, for breadcrumbs.
type articleCategory struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug" example:"mat-tran-dia-phuong"`
	Name string `json:"name" example:"Mặt trận địa phương"`
	// From the root category down to this one, itself last: the breadcrumbs.
	Path []categoryRef `json:"path"`
} // @name ArticleCategory

func toArticleCategory(c models.Category) articleCategory {
	return articleCategory{ID: c.ID, Slug: c.Slug, Name: c.Name, Path: toCategoryRefs(c.Path)}
}

func toCategoryRefs(list []models.Category) []categoryRef {
	out := make([]categoryRef, len(list))
	for i, c := range list {
		out[i] = toCategoryRef(c)
	}
	return out
}

// tagRef names a tag: one of an article's.
type tagRef struct {
	Slug string `json:"slug" example:"dai-hoi"`
	Name string `json:"name" example:"Đại hội"`
} // @name TagRef

func toTagRefs(tags []models.Tag) []tagRef {
	out := make([]tagRef, len(tags))
	for i, t := range tags {
		out[i] = tagRef{Slug: t.Slug, Name: t.Name}
	}
	return out
}

// userRef names a user: an article's author, a revision's actor, a submission's assignee, a
// note's author.
type userRef struct {
	ID   int64  `json:"id" example:"7"`
	Name string `json:"name" example:"Nguyễn Văn An"`
} // @name UserRef

func toUserRef(u models.User) userRef { return userRef{ID: u.ID, Name: u.Name} }

// authorImage is an author's avatar: an image of the media library.
type authorImage struct {
	URL    string `json:"url" example:"https://mattran.org.vn/media/2026/08/nguyen-van-an.jpg"`
	Width  int    `json:"width" example:"400"`
	Height int    `json:"height" example:"400"`
	Alt    string `json:"alt" example:"Chân dung nhà báo Nguyễn Văn An"` // the media item's alt text; empty when it has none
	// The image's resized copies, by width then type, for srcset; see ImageVariant.
	Variants []models.ImageVariant `json:"variants"`
	// A data: URI of a 16 px wide WebP of the image (about 150 bytes), to show blurred while it loads; "" when it has no variants yet.
	Placeholder string `json:"placeholder" example:"data:image/webp;base64,UklGRl4AAABXRUJQVlA4IFIAAABQAQCdASoQAAkAAsBMJbAABYwAAP7d3f47/+8b/+UJv9jb//yef++Kv6JLstfI39OXvteQ30N1Howp+0Srb62OsfiTv+6bYl7fuq//2c9boAAA"`
} // @name AuthorImage

// authorRef names one of an article's authors: their public profile's name, slug, title and
// avatar (GET /api/v1/authors/{slug} has the rest), never anything of the account.
type authorRef struct {
	ID     int64        `json:"id" example:"7"`
	Slug   string       `json:"slug" example:"nguyen-van-an"`
	Name   string       `json:"name" example:"Nguyễn Văn An"`
	Title  string       `json:"title" example:"Phóng viên"`
	Avatar *authorImage `json:"avatar" extensions:"x-nullable"`
} // @name AuthorRef

func (s *Server) avatarOf(u models.User) *authorImage {
	if u.Avatar == nil {
		return nil
	}
	return &authorImage{URL: u.Avatar.URL(s.cfg.MediaURL), Width: u.Avatar.Width, Height: u.Avatar.Height, Alt: u.Avatar.Alt,
		Variants: models.VariantsOf(*u.Avatar, s.cfg.MediaURL), Placeholder: u.Avatar.Placeholder}
}

func (s *Server) toAuthorRefs(users []models.User) []authorRef {
	out := make([]authorRef, len(users))
	for i, u := range users {
		out[i] = authorRef{ID: u.ID, Slug: u.Slug, Name: u.Name, Title: u.Title, Avatar: s.avatarOf(u)}
	}
	return out
}
