package handlers

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// categoryNode is a category of the public tree, with its sub-categories.
type categoryNode struct {
	ID          int64  `json:"id" example:"3"`
	Slug        string `json:"slug" example:"mat-tran-dia-phuong"`
	Name        string `json:"name" example:"Mặt trận địa phương"`
	Description string `json:"description"`
	ParentID    *int64 `json:"parent_id" example:"1" extensions:"x-nullable"`
	Position    int    `json:"position"`
	// From the root category down to this one, itself last: the breadcrumbs.
	Path []categoryRef `json:"path"`
	// Articles public now in it and in its sub-categories (as the category filter of the article list counts them).
	ArticleCount int64          `json:"article_count" example:"42"`
	Children     []categoryNode `json:"children"`
} // @name CategoryNode

type categoryTreeResponse struct {
	Data []categoryNode `json:"data"`
} // @name CategoryTree

type categoryNodeResponse struct {
	Data categoryNode `json:"data"`
} // @name CategoryNodeResponse

// adminCategory is a category as editors manage it: flat, with its article count.
type adminCategory struct {
	ID           int64     `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	ParentID     *int64    `json:"parent_id" extensions:"x-nullable"`
	Position     int       `json:"position"`
	ArticleCount int64     `json:"article_count"` // articles of any status directly in it
	Version      int       `json:"version" example:"1"`
	CreatedAt    time.Time `json:"created_at" format:"date-time"`
	UpdatedAt    time.Time `json:"updated_at" format:"date-time"`
} // @name AdminCategory

type adminCategoryResponse struct {
	Data adminCategory `json:"data"`
} // @name AdminCategoryResponse

type adminCategoryListResponse struct {
	Data []adminCategory `json:"data"`
} // @name AdminCategoryList

type createCategoryRequest struct {
	Name        string `json:"name" validate:"notblank,max=200" example:"Mặt trận địa phương"`
	Slug        string `json:"slug,omitempty" maxLength:"100" example:"mat-tran-dia-phuong"` // made from the name when empty
	Description string `json:"description,omitempty" validate:"max=2000"`
	ParentID    *int64 `json:"parent_id,omitempty" example:"1"`
	Position    int    `json:"position,omitempty" validate:"gte=0,lte=1000000"`
} // @name CreateCategoryRequest

type updateCategoryRequest struct {
	Name        *string                `json:"name,omitempty" validate:"omitnil,notblank,max=200"`
	Slug        *string                `json:"slug,omitempty" maxLength:"100"`
	Description *string                `json:"description,omitempty" validate:"omitnil,max=2000"`
	ParentID    models.Nullable[int64] `json:"parent_id,omitempty" swaggertype:"integer" extensions:"x-nullable"` // null makes it a root
	Position    *int                   `json:"position,omitempty" validate:"omitnil,gte=0,lte=1000000"`
} // @name UpdateCategoryRequest

// categoryTree arranges categories (in display order) into trees under their roots, each with
// its path and the public articles in its sub-tree (counts: those directly in each category).
func categoryTree(all []models.Category, counts map[int64]int64) []categoryNode {
	children := map[int64][]models.Category{}
	var roots []models.Category
	known := make(map[int64]bool, len(all))
	for _, c := range all {
		known[c.ID] = true
	}
	for _, c := range all {
		if c.ParentID == nil || !known[*c.ParentID] {
			roots = append(roots, c)
		} else {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		}
	}
	var build func(list []models.Category, parent []categoryRef) []categoryNode
	build = func(list []models.Category, parent []categoryRef) []categoryNode {
		out := make([]categoryNode, 0, len(list))
		for _, c := range list {
			path := append(slices.Clip(parent), toCategoryRef(c))
			n := categoryNode{ID: c.ID, Slug: c.Slug, Name: c.Name, Description: c.Description,
				ParentID: c.ParentID, Position: c.Position, Path: path, ArticleCount: counts[c.ID], Children: build(children[c.ID], path)}
			for _, child := range n.Children {
				n.ArticleCount += child.ArticleCount
			}
			out = append(out, n)
		}
		return out
	}
	return build(roots, nil)
}

// findNode finds the node of a slug in a tree.
func findNode(tree []categoryNode, slug string) (categoryNode, bool) {
	for _, n := range tree {
		if n.Slug == slug {
			return n, true
		}
		if found, ok := findNode(n.Children, slug); ok {
			return found, true
		}
	}
	return categoryNode{}, false
}

// listCategories godoc
//
//	@ID			listCategories
//	@Summary		The category tree
//	@Description	Every category, roots first, each with its sub-categories in `children`, ordered by position, its `path` from the root (breadcrumbs) and `article_count`: the articles public now in it and its sub-categories, as `GET /api/v1/articles?category=` counts them.
//	@Tags			categories
//	@Produce		json
//	@Param			If-None-Match	header		string	false	"ETag of a cached copy"
//	@Success		200				{object}	categoryTreeResponse
//	@Success		304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400				{object}	problem
//	@Router			/api/v1/categories [get]
func (s *Server) listCategories(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	tree, err := s.publicCategoryTree(c)
	if err != nil {
		return err
	}
	return publicJSON(c, categoryTreeResponse{Data: tree})
}

// getCategory godoc
//
//	@ID			getCategory
//	@Summary	A category with its sub-categories
//	@Tags		categories
//	@Produce	json
//	@Param		slug			path		string	true	"category slug"
//	@Param		If-None-Match	header		string	false	"ETag of a cached copy"
//	@Description	With its `path` from the root (breadcrumbs) and `article_count` (the articles public now in it and its sub-categories, as `GET /api/v1/articles?category=` counts them). A slug the category had before answers 301 with `Location` to the current one and a body naming it.
//	@Success	200				{object}	categoryNodeResponse
//	@Success	301				{object}	movedResponse	"a slug the category had before: Location is its current path"
//	@Success	304				"not modified"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,301,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,301,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Header			301		{string}	Location	"the category's current path"
//	@Failure	400				{object}	problem
//	@Failure	404				{object}	problem
//	@Router		/api/v1/categories/{slug} [get]
func (s *Server) getCategory(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	tree, err := s.publicCategoryTree(c)
	if err != nil {
		return err
	}
	node, ok := findNode(tree, c.Param("slug"))
	if !ok {
		m, err := s.store.CategoryMoved(c.Request().Context(), c.Param("slug"))
		if err != nil {
			return err
		}
		return movedPermanently(c, movedCategory(m), surrogate.Categories)
	}
	return publicJSON(c, categoryNodeResponse{Data: node})
}

// publicCategoryTree is the category tree with public article counts, both from the store's
// memo; the response shows the categories and counts the articles (keys of both).
func (s *Server) publicCategoryTree(c echo.Context) ([]categoryNode, error) {
	ctx := c.Request().Context()
	all, err := s.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.PublicCategoryCounts(ctx, s.now())
	if err != nil {
		return nil, err
	}
	addKeys(c, surrogate.Categories, surrogate.Articles)
	return categoryTree(all, counts), nil
}

func toAdminCategory(c store.CategoryCount) adminCategory {
	return adminCategory{ID: c.ID, Slug: c.Slug, Name: c.Name, Description: c.Description, ParentID: c.ParentID,
		Position: c.Position, ArticleCount: c.ArticleCount, Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// listAdminCategories godoc
//
//	@ID			listAdminCategories
//	@Summary		Every category, flat, with article counts
//	@Description	Not paged: a site has a few dozen categories. Ordered by position, then id.
//	@Tags			categories
//	@Produce		json
//	@Success		200	{object}	adminCategoryListResponse
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/categories [get]
func (s *Server) listAdminCategories(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	all, err := s.store.Categories(ctx)
	if err != nil {
		return err
	}
	counts, err := s.store.CategoryArticleCounts(ctx)
	if err != nil {
		return err
	}
	out := make([]adminCategory, len(all))
	for i, cat := range all {
		out[i] = toAdminCategory(store.CategoryCount{Category: cat, ArticleCount: counts[cat.ID]})
	}
	return c.JSON(http.StatusOK, adminCategoryListResponse{Data: out})
}

// getAdminCategory godoc
//
//	@ID			getAdminCategory
//	@Summary	Show a category
//	@Tags		categories
//	@Produce	json
//	@Param		id	path		int	true	"category id"
//	@Success	200	{object}	adminCategoryResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/categories/{id} [get]
func (s *Server) getAdminCategory(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	cat, err := s.store.CategoryByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return respondCategory(c, http.StatusOK, cat)
}

// respondCategory sends a category with its version as the ETag.
func respondCategory(c echo.Context, status int, cat store.CategoryCount) error {
	setVersionETag(c, cat.Version)
	return c.JSON(status, adminCategoryResponse{Data: toAdminCategory(cat)})
}

// createCategory godoc
//
//	@ID			createCategory
//	@Summary		Create a category
//	@Description	Without `slug` one is made from the name (`Mặt trận địa phương` → `mat-tran-dia-phuong`), numbered when taken. Version 1, sent as the ETag.
//	@Tags			categories
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createCategoryRequest	true	"the category"
//	@Success		201		{object}	adminCategoryResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"slug taken"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/categories [post]
func (s *Server) createCategory(c echo.Context) error {
	var req createCategoryRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Slug != "" {
		errs.slug("slug", req.Slug)
	}
	errs.positiveID("parent_id", req.ParentID)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	cat, err := s.store.CreateCategory(c.Request().Context(), actorOf(c), store.CategoryInput{
		Name: req.Name, Slug: req.Slug, Description: req.Description, ParentID: req.ParentID, Position: req.Position})
	if err != nil {
		return err
	}
	return respondCategory(c, http.StatusCreated, store.CategoryCount{Category: cat})
}

// updateCategory godoc
//
//	@ID			updateCategory
//	@Summary		Change a category
//	@Description	Only the fields sent change. A renamed category keeps its slug unless `slug` is sent. `parent_id: null` makes it a root; a category cannot be placed under itself or its sub-categories (422). Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			categories
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"category id"
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateCategoryRequest	true	"fields to change"
//	@Success		200			{object}	adminCategoryResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"slug taken"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/categories/{id} [patch]
func (s *Server) updateCategory(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("category", id))
	if err != nil {
		return err
	}
	var req updateCategoryRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	if req.Slug != nil {
		errs.slug("slug", *req.Slug)
	}
	errs.positiveID("parent_id", req.ParentID.Value)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	cat, err := s.store.UpdateCategory(c.Request().Context(), actorOf(c), id, version, store.CategoryPatch{
		Name: req.Name, Slug: req.Slug, Description: req.Description, Position: req.Position, ParentID: req.ParentID})
	if err != nil {
		return err
	}
	return respondCategory(c, http.StatusOK, cat)
}

// deleteCategory godoc
//
//	@ID			deleteCategory
//	@Summary		Delete a category
//	@Description	Only an empty category: one with sub-categories or articles (of any status) is 409. Needs If-Match with the version read (428 without, 412 when stale).
//	@Tags			categories
//	@Param			id			path	int		true	"category id"
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"has sub-categories or articles"
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/categories/{id} [delete]
func (s *Server) deleteCategory(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("category", id))
	if err != nil {
		return err
	}
	if err := s.store.DeleteCategory(c.Request().Context(), actorOf(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
