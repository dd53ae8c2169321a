package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// Slugs never break: every slug an article (once public or fixed) or a category had keeps
// leading to it. The API's own path answers 301 with Location; GET /redirects tells a frontend
// that routes by the site's paths where a path lives now.

// redirectKinds are the kinds of items whose old slugs lead to them.
var redirectKinds = []string{"article", "category"}

// moved is where an old slug leads.
type moved struct {
	Type string `json:"type" enums:"article,category" example:"article"`
	// The current slug.
	Slug string `json:"slug" example:"ky-ket-quy-che-phoi-hop"`
	// The API path of the item, as in Location.
	Path string `json:"path" example:"/api/v1/articles/ky-ket-quy-che-phoi-hop"`
	// The page of the public site (the feeds' scheme, under TOASOAN_SITE_URL: /articles/{slug}, /categories/{slug}).
	SitePath string `json:"site_path" example:"/articles/ky-ket-quy-che-phoi-hop"`
} // @name Moved

type movedResponse struct {
	Data moved `json:"data"`
} // @name MovedResponse

func movedArticle(m store.Moved) moved {
	return moved{Type: "article", Slug: m.Slug, Path: surrogate.ArticlePath(m.Slug), SitePath: "/articles/" + url.PathEscape(m.Slug)}
}

func movedCategory(m store.Moved) moved {
	return moved{Type: "category", Slug: m.Slug, Path: "/api/v1/categories/" + url.PathEscape(m.Slug), SitePath: "/categories/" + url.PathEscape(m.Slug)}
}

// movedPermanently answers 301 to where an old slug leads, with the item's surrogate key so a
// CDN that keeps the redirect drops it when the item changes.
func movedPermanently(c echo.Context, to moved, key string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderLocation, to.Path)
	h.Set(echo.HeaderCacheControl, publicCacheControl)
	h.Set(headerSurrogateKey, key)
	h.Set(headerCacheTag, key)
	return c.JSON(http.StatusMovedPermanently, movedResponse{Data: to})
}

// redirect is what a site path resolves to.
type redirect struct {
	// 200: the path is current; 301: it moved to path.
	Status int `json:"status" example:"301"`
	// The site path where it lives now.
	Path string `json:"path" example:"/articles/ky-ket-quy-che-phoi-hop"`
	// The API path to read it from.
	APIPath string `json:"api_path" example:"/api/v1/articles/ky-ket-quy-che-phoi-hop"`
	Type    string `json:"type" enums:"article,category" example:"article"`
} // @name Redirect

type redirectResponse struct {
	Data redirect `json:"data"`
} // @name RedirectResponse

// lookupRedirect godoc
//
//	@ID			lookupRedirect
//	@Summary		Where a path of the site lives now
//	@Description	For frontends that route by path: given a path a reader followed, says whether it is current (`status` 200) or moved (`status` 301, with the path to redirect to), so that old links keep working and crawlers keep their ranking. Understood paths: `/articles/{slug}` and `/categories/{slug}` of the site, and `/api/v1/articles/{slug}` and `/api/v1/categories/{slug}` of this API; a query string or fragment is ignored. A path that leads nowhere public is 404. Articles' old slugs are kept from the time they were public or fixed (published once, or set by hand); categories' always.
//	@Tags			articles
//	@Produce		json
//	@Param			path			query		string	true	"the path, e.g. /articles/ky-ket-quy-che"
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	redirectResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Failure		404		{object}	problem
//	@Router			/api/v1/redirects [get]
func (s *Server) lookupRedirect(c echo.Context) error {
	q := parseQuery(c, "path")
	raw := q.String("path")
	var kind, slug string
	if raw == "" {
		q.fail("path", "is required")
	} else if kind, slug = sitePath(raw); kind == "" {
		q.fail("path", "is not a path of an article or category (/articles/{slug}, /categories/{slug} or their /api/v1/ paths)")
	}
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	answer := func(status int, to moved) error {
		return publicJSON(c, redirectResponse{Data: redirect{Status: status, Path: to.SitePath, APIPath: to.Path, Type: to.Type}})
	}
	if kind == "article" {
		a, err := s.store.PublicArticle(ctx, slug, s.now())
		if err == nil {
			addKeys(c, surrogate.Article(a.ID))
			return answer(http.StatusOK, movedArticle(store.Moved{ID: a.ID, Slug: a.Slug}))
		}
		if models.ErrorCode(err) != models.CodeNotFound {
			return err
		}
		m, err := s.store.ArticleMoved(ctx, slug, s.now())
		if err != nil {
			return err
		}
		addKeys(c, surrogate.Article(m.ID))
		return answer(http.StatusMovedPermanently, movedArticle(m))
	}
	all, err := s.store.Categories(ctx)
	if err != nil {
		return err
	}
	addKeys(c, surrogate.Categories)
	if _, ok := findNode(categoryTree(all, nil), slug); ok {
		return answer(http.StatusOK, movedCategory(store.Moved{Slug: slug}))
	}
	m, err := s.store.CategoryMoved(ctx, slug)
	if err != nil {
		return err
	}
	return answer(http.StatusMovedPermanently, movedCategory(m))
}

// sitePath reads an article or category path of the site or of the API: its kind and slug
// ("" when it is neither).
func sitePath(raw string) (kind, slug string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", ""
	}
	p := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/api/v1"), "/")
	for _, k := range redirectKinds {
		prefix := "/articles/"
		if k == "category" {
			prefix = "/categories/"
		}
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			return k, rest
		}
	}
	return "", ""
}
