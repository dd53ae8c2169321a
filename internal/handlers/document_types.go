package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

type createDocumentTypeRequest struct {
	Name     string `json:"name" validate:"notblank,max=100" example:"Công điện"`
	Code     string `json:"code,omitempty" example:"CĐ"`                                        // "" when numbers carry no type code
	Position *int   `json:"position,omitempty" validate:"omitnil,gte=0,lte=10000" example:"12"` // last when left out
} // @name CreateDocumentTypeRequest

type updateDocumentTypeRequest struct {
	Name     *string `json:"name,omitempty" validate:"omitnil,notblank,max=100"`
	Code     *string `json:"code,omitempty"`
	Position *int    `json:"position,omitempty" validate:"omitnil,gte=0,lte=10000"`
} // @name UpdateDocumentTypeRequest

// documentTypeView is a document type as the public sees it.
type documentTypeView struct {
	ID       int64  `json:"id"`
	Name     string `json:"name" example:"Nghị quyết"`
	Code     string `json:"code" example:"NQ"`
	Position int    `json:"position" example:"1"`
} // @name DocumentType

// adminDocumentTypeView adds the version editors need for If-Match.
type adminDocumentTypeView struct {
	documentTypeView
	Version int `json:"version" example:"1"`
} // @name AdminDocumentType

type documentTypeListResponse struct {
	Data []documentTypeView `json:"data"`
} // @name DocumentTypeList

type adminDocumentTypeResponse struct {
	Data adminDocumentTypeView `json:"data"`
} // @name AdminDocumentTypeResponse

type adminDocumentTypeListResponse struct {
	Data []adminDocumentTypeView `json:"data"`
} // @name AdminDocumentTypeList

func documentTypeViewOf(t models.DocumentType) documentTypeView {
	return documentTypeView{ID: t.ID, Name: t.Name, Code: t.Code, Position: t.Position}
}

func adminDocumentTypeViewOf(t models.DocumentType) adminDocumentTypeView {
	return adminDocumentTypeView{documentTypeView: documentTypeViewOf(t), Version: t.Version}
}

// typeCodePattern is a code as document numbers carry it: a letter, then letters or digits.
var typeCodePattern = regexp.MustCompile(`^\p{L}[\p{L}\p{N}]{0,9}$`)

// typeCode checks a document type's code; "" (no code) is allowed.
func (f *fieldErrors) typeCode(field, value string) string {
	value = norm.NFC.String(strings.TrimSpace(value))
	if value != "" && !typeCodePattern.MatchString(value) {
		f.add(field, "must be empty or up to 10 letters and digits starting with a letter, e.g. NQ")
	}
	return value
}

// listPublicDocumentTypes godoc
//
//	@ID			listPublicDocumentTypes
//	@Summary		Document types
//	@Description	The managed list of document types, in display order, for search forms.
//	@Tags			documents
//	@Produce		json
//	@Success		200	{object}	documentTypeListResponse
//	@Success		304	"not modified (If-None-Match)"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400	{object}	problem
//	@Router			/api/v1/document-types [get]
func (s *Server) listPublicDocumentTypes(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	types, err := s.store.DocumentTypes(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]documentTypeView, len(types))
	for i, t := range types {
		views[i] = documentTypeViewOf(t)
	}
	addKeys(c, surrogate.DocumentTypes)
	return publicJSON(c, documentTypeListResponse{Data: views})
}

// listDocumentTypes godoc
//
//	@ID			listDocumentTypes
//	@Summary	Document types, for editors
//	@Tags		documents
//	@Produce	json
//	@Success	200	{object}	adminDocumentTypeListResponse
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/document-types [get]
func (s *Server) listDocumentTypes(c echo.Context) error {
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	types, err := s.store.DocumentTypes(c.Request().Context())
	if err != nil {
		return err
	}
	views := make([]adminDocumentTypeView, len(types))
	for i, t := range types {
		views[i] = adminDocumentTypeViewOf(t)
	}
	return c.JSON(http.StatusOK, adminDocumentTypeListResponse{Data: views})
}

// createDocumentType godoc
//
//	@ID			createDocumentType
//	@Summary		Add a document type
//	@Description	A name or code that another type has, ignoring case and diacritics, is 409. Version 1, sent as the ETag.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createDocumentTypeRequest	true	"the type"
//	@Success		201		{object}	adminDocumentTypeResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"name or code taken"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/document-types [post]
func (s *Server) createDocumentType(c echo.Context) error {
	var req createDocumentTypeRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	in := store.DocumentTypeInput{Name: req.Name, Code: errs.typeCode("code", req.Code), Position: req.Position}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	t, err := s.store.CreateDocumentType(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	setVersionETag(c, t.Version)
	return c.JSON(http.StatusCreated, adminDocumentTypeResponse{Data: adminDocumentTypeViewOf(t)})
}

// getDocumentType godoc
//
//	@ID			getDocumentType
//	@Summary	Show a document type
//	@Tags		documents
//	@Produce	json
//	@Param		id	path		int	true	"document type id"
//	@Success	200	{object}	adminDocumentTypeResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/document-types/{id} [get]
func (s *Server) getDocumentType(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	t, err := s.store.DocumentTypeByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, t.Version)
	return c.JSON(http.StatusOK, adminDocumentTypeResponse{Data: adminDocumentTypeViewOf(t)})
}

// updateDocumentType godoc
//
//	@ID			updateDocumentType
//	@Summary		Change a document type
//	@Description	Documents refer to their type by id, so a rename shows on every document of the type. Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int							true	"document type id"
//	@Param			If-Match	header		string						true	"the version read, as its ETag gave it"
//	@Param			body		body		updateDocumentTypeRequest	true	"fields to change"
//	@Success		200			{object}	adminDocumentTypeResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"name or code taken, or a new code while document numbers carry the old one"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/document-types/{id} [patch]
func (s *Server) updateDocumentType(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("document type", id))
	if err != nil {
		return err
	}
	var req updateDocumentTypeRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	patch := store.DocumentTypePatch{Name: req.Name, Position: req.Position}
	if req.Code != nil {
		patch.Code = ptr(errs.typeCode("code", *req.Code))
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	t, err := s.store.UpdateDocumentType(c.Request().Context(), actorOf(c), id, version, patch)
	if err != nil {
		return err
	}
	setVersionETag(c, t.Version)
	return c.JSON(http.StatusOK, adminDocumentTypeResponse{Data: adminDocumentTypeViewOf(t)})
}

// deleteDocumentType godoc
//
//	@ID			deleteDocumentType
//	@Summary		Delete a document type no document has
//	@Description	Needs If-Match with the version read (428 without, 412 when stale).
//	@Tags			documents
//	@Param			id			path	int		true	"document type id"
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"documents are of this type"
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/document-types/{id} [delete]
func (s *Server) deleteDocumentType(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("document type", id))
	if err != nil {
		return err
	}
	if err := s.store.DeleteDocumentType(c.Request().Context(), actorOf(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
