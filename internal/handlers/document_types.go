package handlers

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

type createDocumentTypeRequest struct {
	Name     string `json:"name" validate:"notblank,max=100" example:"Công điện"`
	Code     string `json:"code" example:"CĐ"`                                        // "" when numbers carry no type code
	Position *int   `json:"position" validate:"omitnil,gte=0,lte=10000" example:"12"` // last when left out
} // @name CreateDocumentTypeRequest

type updateDocumentTypeRequest struct {
	Name     *string `json:"name" validate:"omitnil,notblank,max=100"`
	Code     *string `json:"code"`
	Position *int    `json:"position" validate:"omitnil,gte=0,lte=10000"`
} // @name UpdateDocumentTypeRequest

type documentTypeResponse struct {
	Data models.DocumentType `json:"data"`
} // @name DocumentTypeResponse

type documentTypeListResponse struct {
	Data []models.DocumentType `json:"data"`
} // @name DocumentTypeList

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
//	@Summary		Document types
//	@Description	The managed list of document types, in display order, for search forms.
//	@Tags			documents
//	@Produce		json
//	@Success		200	{object}	documentTypeListResponse
//	@Success		304	"not modified (If-None-Match)"
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
	return publicJSON(c, documentTypeListResponse{Data: types})
}

// listDocumentTypes godoc
//
//	@Summary	Document types, for editors
//	@Tags		documents
//	@Produce	json
//	@Success	200	{object}	documentTypeListResponse
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
	return c.JSON(http.StatusOK, documentTypeListResponse{Data: types})
}

// createDocumentType godoc
//
//	@Summary		Add a document type
//	@Description	A name or code that another type has, ignoring case and diacritics, is 409.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createDocumentTypeRequest	true	"the type"
//	@Success		201		{object}	documentTypeResponse
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
	t := models.DocumentType{Name: models.CleanText(req.Name), Code: errs.typeCode("code", req.Code)}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	if err := s.store.CreateDocumentType(c.Request().Context(), &t, req.Position); err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "document_type.create", "document_type", strconv.FormatInt(t.ID, 10), t.Name)
	return c.JSON(http.StatusCreated, documentTypeResponse{Data: t})
}

// updateDocumentType godoc
//
//	@Summary		Change a document type
//	@Description	Documents refer to their type by id, so a rename shows on every document of the type.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int							true	"document type id"
//	@Param			body	body		updateDocumentTypeRequest	true	"fields to change"
//	@Success		200		{object}	documentTypeResponse
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		404		{object}	problem
//	@Failure		409		{object}	problem	"name or code taken, or a new code while document numbers carry the old one"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/document-types/{id} [patch]
func (s *Server) updateDocumentType(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req updateDocumentTypeRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	patch := store.DocumentTypePatch{Position: req.Position}
	if req.Name != nil {
		name := models.CleanText(*req.Name)
		patch.Name = &name
	}
	if req.Code != nil {
		code := errs.typeCode("code", *req.Code)
		patch.Code = &code
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	t, err := s.store.UpdateDocumentType(c.Request().Context(), id, patch)
	if err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "document_type.update", "document_type", strconv.FormatInt(id, 10), t.Name)
	return c.JSON(http.StatusOK, documentTypeResponse{Data: t})
}

// deleteDocumentType godoc
//
//	@Summary	Delete a document type no document has
//	@Tags		documents
//	@Param		id	path	int	true	"document type id"
//	@Success	204
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Failure	409	{object}	problem	"documents are of this type"
//	@Security	BearerAuth
//	@Router		/api/v1/admin/document-types/{id} [delete]
func (s *Server) deleteDocumentType(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDocumentType(c.Request().Context(), id); err != nil {
		return err
	}
	actor := principalOf(c).UserID
	s.audit(c, &actor, "document_type.delete", "document_type", strconv.FormatInt(id, 10), "")
	return c.NoContent(http.StatusNoContent)
}
