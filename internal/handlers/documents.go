package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/surrogate"
)

type createDocumentRequest struct {
	Number        string  `json:"number" validate:"notblank" example:"05/2024/QĐ-MTTW"` // số ký hiệu
	Title         string  `json:"title" validate:"notblank,max=1000" example:"Quyết định ban hành Quy chế làm việc của Ủy ban Trung ương MTTQ Việt Nam"`
	Type          string  `json:"type" validate:"notblank,max=100" example:"Quyết định"` // the name of a document type
	Issuer        string  `json:"issuer" validate:"notblank,max=300" example:"Ủy ban Trung ương MTTQ Việt Nam"`
	Signer        string  `json:"signer,omitempty" validate:"max=200" example:"Đỗ Văn Chiến"`
	Field         string  `json:"field,omitempty" validate:"max=200" example:"Công tác Mặt trận"`
	IssuedOn      string  `json:"issued_on" validate:"required" format:"date" example:"2024-05-10"`
	EffectiveOn   string  `json:"effective_on,omitempty" format:"date" example:"2024-05-10"` // issued_on when empty
	ExpiresOn     string  `json:"expires_on,omitempty" format:"date" example:"2029-05-10"`   // none when empty
	Status        string  `json:"status,omitempty" validate:"omitempty,oneof=draft published" enums:"draft,published"`
	AttachmentIDs []int64 `json:"attachment_ids,omitempty" validate:"max=20,dive,gt=0"` // PDFs only
} // @name CreateDocumentRequest

type updateDocumentRequest struct {
	Number        *string                 `json:"number,omitempty" example:"05/2024/QĐ-MTTW"`
	Title         *string                 `json:"title,omitempty" validate:"omitnil,notblank,max=1000"`
	Type          *string                 `json:"type,omitempty" validate:"omitnil,notblank,max=100" example:"Quyết định"`
	Issuer        *string                 `json:"issuer,omitempty" validate:"omitnil,notblank,max=300"`
	Signer        *string                 `json:"signer,omitempty" validate:"omitnil,max=200"`
	Field         *string                 `json:"field,omitempty" validate:"omitnil,max=200"`
	IssuedOn      *string                 `json:"issued_on,omitempty" format:"date" example:"2024-05-10"`
	EffectiveOn   *string                 `json:"effective_on,omitempty" format:"date" example:"2024-05-10"`
	ExpiresOn     models.Nullable[string] `json:"expires_on,omitempty" swaggertype:"string" format:"date" example:"2029-05-10" extensions:"x-nullable"` // null: none
	Status        *string                 `json:"status,omitempty" validate:"omitnil,oneof=draft published" enums:"draft,published"`
	AttachmentIDs *[]int64                `json:"attachment_ids,omitempty" validate:"omitnil,max=20,dive,gt=0"` // PDFs only; replaces the list
} // @name UpdateDocumentRequest

// documentItem is a document in the public list.
type documentItem struct {
	ID          int64               `json:"id"`
	Number      string              `json:"number" example:"05/2024/QĐ-MTTW"`
	Title       string              `json:"title"`
	Type        string              `json:"type" example:"Quyết định"`
	Issuer      string              `json:"issuer" example:"Ủy ban Trung ương MTTQ Việt Nam"`
	Signer      string              `json:"signer"`
	Field       string              `json:"field"`
	IssuedOn    models.Date         `json:"issued_on" swaggertype:"string" format:"date" example:"2024-05-10"`
	EffectiveOn models.Date         `json:"effective_on" swaggertype:"string" format:"date" example:"2024-05-10"`
	Attachments []models.Attachment `json:"attachments"`
} // @name DocumentItem

// documentView is one document: the list item and its expiry.
type documentView struct {
	documentItem
	ExpiresOn *models.Date `json:"expires_on" swaggertype:"string" format:"date" example:"2029-05-10" extensions:"x-nullable"`
} // @name Document

// numberPartsView shows editors how the number was read.
type numberPartsView struct {
	Sequence   int    `json:"sequence" example:"5"`
	Year       *int   `json:"year" example:"2024" extensions:"x-nullable"`
	TypeCode   string `json:"type_code" example:"QĐ"`
	IssuerCode string `json:"issuer_code" example:"MTTW"`
} // @name DocumentNumberParts

// adminDocumentView adds what editors need to the public form.
type adminDocumentView struct {
	documentView
	NumberParts numberPartsView `json:"number_parts"`
	Status      string          `json:"status" enums:"draft,published"`
	Version     int             `json:"version"`
	// When it was moved to the trash, and by whom (null when the account is gone); both null
	// outside the trash.
	TrashedAt   *time.Time `json:"trashed_at" extensions:"x-nullable" format:"date-time"`
	TrashedByID *int64     `json:"trashed_by_id" extensions:"x-nullable"`
	CreatedAt   time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt   time.Time  `json:"updated_at" format:"date-time"`
} // @name AdminDocument

type adminDocumentResponse struct {
	Data adminDocumentView `json:"data"`
} // @name AdminDocumentResponse

type adminDocumentListResponse struct {
	Data []adminDocumentView `json:"data"`
	Meta listMeta            `json:"meta"`
} // @name AdminDocumentList

// documentListMeta is the meta of the public documents list.
type documentListMeta struct {
	Pagination models.Pagination     `json:"pagination"`
	Facets     models.DocumentFacets `json:"facets"`
} // @name DocumentListMeta

type documentListResponse struct {
	Data []documentItem   `json:"data"`
	Meta documentListMeta `json:"meta"`
} // @name DocumentList

type documentResponse struct {
	Data documentView `json:"data"`
} // @name DocumentResponse

// number parses a document number; a bad one is a field error.
func (f *fieldErrors) number(field, value string) docnumber.Parts {
	if len(value) > 100 {
		f.add(field, "must be at most 100 characters")
		return docnumber.Parts{}
	}
	p, err := docnumber.Parse(value)
	if err != nil {
		f.add(field, "must be a document number such as 12/NQ-MTTW or 05/2024/QĐ-MTTW")
	}
	return p
}

// listPublicDocuments godoc
//
//	@ID			listPublicDocuments
//	@Summary		Search the documents registry
//	@Description	Published documents, newest issued first. Filters combine; meta.facets counts the documents by type, issuer and year of issue, each over every filter but its own (the type counts ignore type, and so on).
//	@Tags			documents
//	@Produce		json
//	@Param			q			query		string	false	"words of the number, title, issuer, signer or field (any case, with or without diacritics)"
//	@Param			number		query		string	false	"a số ký hiệu in any spacing or case (QD for QĐ). Matches sequence, type code and issuer code, and the year when given: 05/QĐ-MTTW also finds 05/2024/QĐ-MTTW. For part of a number use q."
//	@Param			type		query		string	false	"a document type by name or code, any case, with or without diacritics (Nghị quyết, nghi quyet, NQ); an unknown type finds nothing"
//	@Param			issuer		query		string	false	"the issuer, exactly as in facets.issuer"
//	@Param			field		query		string	false	"the field (lĩnh vực), exactly"
//	@Param			year		query		int		false	"year of issued_on"
//	@Param			from		query		string	false	"issued on or after (YYYY-MM-DD)"	format(date)
//	@Param			to			query		string	false	"issued on or before (YYYY-MM-DD)"	format(date)
//	@Param			updated_since	query		string	false	"only documents changed at or after this instant (RFC 3339); GET /api/v1/sync also tells of removals"	format(date-time)
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	documentListResponse
//	@Success		304			"not modified (If-None-Match)"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400			{object}	problem
//	@Router			/api/v1/documents [get]
func (s *Server) listPublicDocuments(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "q", "number", "type", "issuer", "field", "year", "from", "to", "updated_since")...)
	page := q.Page()
	f := store.DocumentFilter{
		Status:       models.PublicationPublished,
		UpdatedSince: q.Time("updated_since"),
		Text:         q.SearchText("q"),
		Issuer:       models.CleanText(q.String("issuer")),
		Field:        models.CleanText(q.String("field")),
		Year:         q.Int("year", 0, docnumber.MinYear, docnumber.MaxYear),
	}
	if v := q.String("number"); v != "" {
		if n, err := docnumber.Parse(v); err != nil {
			q.fail("number", "must be a document number such as 12/NQ-MTTW or 05/2024/QĐ-MTTW; search part of a number with q")
		} else {
			f.Number = &n
		}
	}
	if from := q.Date("from", time.UTC); from != nil {
		d := models.DateOf(*from)
		f.From = &d
	}
	if to := q.Date("to", time.UTC); to != nil {
		d := models.DateOf(*to)
		f.To = &d
		if f.From != nil && d.Before(*f.From) {
			q.fail("to", "must not be before from")
		}
	}
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if v := q.String("type"); v != "" {
		types, err := s.store.DocumentTypes(ctx)
		if err != nil {
			return err
		}
		f.TypeIDs = []int64{}
		for _, t := range types {
			if t.Matches(v) {
				f.TypeIDs = append(f.TypeIDs, t.ID)
			}
		}
	}
	list, total, err := s.store.ListDocuments(ctx, f, page)
	if err != nil {
		return err
	}
	facets, err := s.store.DocumentFacets(ctx, f)
	if err != nil {
		return err
	}
	items := make([]documentItem, len(list))
	addKeys(c, surrogate.Documents, surrogate.DocumentTypes)
	if f.Text != "" { // what q finds changes with the abbreviations
		addKeys(c, surrogate.Abbreviations)
	}
	for i, d := range list {
		items[i] = s.documentItem(d)
		mediaKeys(c, d.Attachments)
	}
	return publicJSON(c, documentListResponse{Data: items,
		Meta: documentListMeta{Pagination: models.NewPagination(page, total), Facets: facets}})
}

// getPublicDocument godoc
//
//	@ID			getPublicDocument
//	@Summary		A published document
//	@Description	404 unless the document is published.
//	@Tags			documents
//	@Produce		json
//	@Param			id	path		int	true	"document id"
//	@Success		200	{object}	documentResponse
//	@Success		304	"not modified (If-None-Match)"
//	@Header			200,304	{string}	ETag	"of the body, for If-None-Match"
//	@Header			200,304	{string}	Surrogate-Key	"what it shows, as surrogate keys separated by spaces: a CDN purges them on change"
//	@Header			200,304	{string}	Cache-Tag	"the same keys separated by commas (Cloudflare)"
//	@Failure		400	{object}	problem
//	@Failure		404	{object}	problem
//	@Router			/api/v1/documents/{id} [get]
func (s *Server) getPublicDocument(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	d, err := s.store.DocumentByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if d.Status != models.PublicationPublished {
		return models.NotFound("document")
	}
	addKeys(c, surrogate.Document(d.ID), surrogate.DocumentTypes)
	mediaKeys(c, d.Attachments)
	return publicJSON(c, documentResponse{Data: s.documentView(d)})
}

// listDocuments godoc
//
//	@ID			listDocuments
//	@Summary	List documents in any state
//	@Tags		documents
//	@Produce	json
//	@Param		status		query		string	false	"only this status"	Enums(draft, published)
//	@Param		q			query		string	false	"words of the number, title, issuer, signer or field (any case, with or without diacritics)"
//	@Param		trashed		query		bool	false	"true: only the documents in the trash (otherwise left out)"	default(false)
//	@Param		page		query		int		false	"page, from 1"
//	@Param		per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success	200			{object}	adminDocumentListResponse
//	@Failure	400			{object}	problem
//	@Failure	401			{object}	problem
//	@Failure	403			{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/documents [get]
func (s *Server) listDocuments(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "status", "q", "trashed")...)
	page := q.Page()
	f := store.DocumentFilter{
		Status:  q.OneOf("status", "", models.PublicationStatuses...),
		Trashed: ptrTrue(q.Bool("trashed")),
		Text:    q.SearchText("q"),
	}
	if err := q.Err(); err != nil {
		return err
	}
	list, total, err := s.store.ListDocuments(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	views := make([]adminDocumentView, len(list))
	for i, d := range list {
		views[i] = s.adminDocumentView(d)
	}
	return c.JSON(http.StatusOK, adminDocumentListResponse{Data: views, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// createDocument godoc
//
//	@ID			createDocument
//	@Summary		Register a document
//	@Description	The number is read into its parts (number_parts) and stored in canonical form. type is the name of a document type; a number carrying another type's code (12/NQ-MTTW as a Quyết định) is 422 on number. effective_on defaults to issued_on and may not precede it; expires_on must follow effective_on. Attachments must be PDFs. A number the issuer already used is 409. Version 1, sent as the ETag.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			body	body		createDocumentRequest	true	"the document"
//	@Success		201		{object}	adminDocumentResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		409		{object}	problem	"number already used by the issuer"
//	@Failure		415		{object}	problem
//	@Failure		422		{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/documents [post]
func (s *Server) createDocument(c echo.Context) error {
	var req createDocumentRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	in := store.DocumentInput{Title: req.Title, Type: req.Type, Issuer: req.Issuer, Signer: req.Signer, Field: req.Field,
		Status: req.Status, AttachmentIDs: req.AttachmentIDs}
	if strings.TrimSpace(req.Number) != "" {
		in.Number = errs.number("number", req.Number)
	}
	if req.IssuedOn != "" {
		in.IssuedOn = errs.date("issued_on", req.IssuedOn)
	}
	if req.EffectiveOn != "" {
		in.EffectiveOn = errs.datePtr("effective_on", req.EffectiveOn)
	}
	if req.ExpiresOn != "" {
		in.ExpiresOn = errs.datePtr("expires_on", req.ExpiresOn)
	}
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	d, err := s.store.CreateDocument(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	setVersionETag(c, d.Version)
	return c.JSON(http.StatusCreated, adminDocumentResponse{Data: s.adminDocumentView(d)})
}

// getDocument godoc
//
//	@ID			getDocument
//	@Summary	Show a document in any state
//	@Tags		documents
//	@Produce	json
//	@Param		id	path		int	true	"document id"
//	@Success	200	{object}	adminDocumentResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/documents/{id} [get]
func (s *Server) getDocument(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	d, err := s.store.DocumentByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, d.Version)
	return c.JSON(http.StatusOK, adminDocumentResponse{Data: s.adminDocumentView(d)})
}

// updateDocument godoc
//
//	@ID			updateDocument
//	@Summary		Change a document
//	@Description	Only the fields sent change, under the rules of creation; expires_on null removes the expiry, attachment_ids replaces the list. Needs If-Match with the version read (428 without, 412 when stale); bumps the version.
//	@Tags			documents
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"document id"
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateDocumentRequest	true	"fields to change"
//	@Success		200			{object}	adminDocumentResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"number already used by the issuer, or the document is in the trash (restore it first)"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/documents/{id} [patch]
func (s *Server) updateDocument(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("document", id))
	if err != nil {
		return err
	}
	var req updateDocumentRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	patch := store.DocumentPatch{Title: req.Title, Type: req.Type, Issuer: req.Issuer, Signer: req.Signer, Field: req.Field,
		Status: req.Status, AttachmentIDs: req.AttachmentIDs}
	if req.Number != nil {
		if strings.TrimSpace(*req.Number) == "" {
			errs.add("number", "is required")
		} else {
			patch.Number = ptr(errs.number("number", *req.Number))
		}
	}
	if req.IssuedOn != nil {
		patch.IssuedOn = errs.datePtr("issued_on", *req.IssuedOn)
	}
	if req.EffectiveOn != nil {
		patch.EffectiveOn = errs.datePtr("effective_on", *req.EffectiveOn)
	}
	patch.ExpiresOn = errs.nullableDate("expires_on", req.ExpiresOn)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	d, err := s.store.UpdateDocument(c.Request().Context(), actorOf(c), id, version, patch)
	if err != nil {
		return err
	}
	setVersionETag(c, d.Version)
	return c.JSON(http.StatusOK, adminDocumentResponse{Data: s.adminDocumentView(d)})
}

// deleteDocument godoc
//
//	@ID			deleteDocument
//	@Summary		Move a document to the trash, or delete it for good
//	@Description	Moves the document to the trash: it becomes a draft at once (a published one disappears from every public read: detail, list, search, feeds, sitemap), leaves the editorial list (see `trashed=true`) and keeps its attachments. Editors restore it (`POST /api/v1/admin/documents/{id}/restore`) until the trash retention (TOASOAN_TRASH_RETENTION, 30 days by default) ends, when it is deleted for good. With `permanent=true` an admin deletes a document in the trash for good at once (409 when it is not in the trash). No webhook event fires (there is no document.unpublished). Needs If-Match with the version read (428 without, 412 when stale); trashing makes a new version.
//	@Tags			documents
//	@Param			id			path	int		true	"document id"
//	@Param			permanent	query	bool	false	"true: delete a document in the trash for good (admins)"	default(false)
//	@Param			If-Match	header	string	true	"the version read, as its ETag gave it"
//	@Success		204
//	@Failure		400	{object}	problem
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem	"permanent=true and not an admin"
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"in the trash already, or (permanent=true) not in it"
//	@Failure		412	{object}	problem	"stale version"
//	@Failure		428	{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/documents/{id} [delete]
func (s *Server) deleteDocument(c echo.Context) error {
	return s.deleteOrPurge(c, "document", s.store.DeleteDocument, s.store.DeleteDocumentForGood)
}

// restoreDocument godoc
//
//	@ID			restoreDocument
//	@Summary		Restore a document from the trash
//	@Description	It comes back as a draft, whatever it was before it was trashed: publish it again when it should be public. Needs If-Match with the version read (428 without, 412 when stale); restoring makes a new version. A document not in the trash is 409.
//	@Tags			documents
//	@Produce		json
//	@Param			id			path		int		true	"document id"
//	@Param			If-Match	header		string	true	"the version read, as its ETag gave it"
//	@Success		200			{object}	adminDocumentResponse
//	@Header			200			{string}	ETag	"the new version, for If-Match"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		409			{object}	problem	"not in the trash"
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/documents/{id}/restore [post]
func (s *Server) restoreDocument(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("document", id))
	if err != nil {
		return err
	}
	x, err := s.store.RestoreDocument(c.Request().Context(), actorOf(c), id, version)
	if err != nil {
		return err
	}
	setVersionETag(c, x.Version)
	return c.JSON(http.StatusOK, adminDocumentResponse{Data: s.adminDocumentView(x)})
}

func (s *Server) documentItem(d models.Document) documentItem {
	return documentItem{ID: d.ID, Number: d.Number, Title: d.Title, Type: d.Type.Name, Issuer: d.Issuer, Signer: d.Signer,
		Field: d.Field, IssuedOn: d.IssuedOn, EffectiveOn: d.EffectiveOn, Attachments: s.attachmentViews(d.Attachments)}
}

func (s *Server) documentView(d models.Document) documentView {
	return documentView{documentItem: s.documentItem(d), ExpiresOn: d.ExpiresOn}
}

func (s *Server) adminDocumentView(d models.Document) adminDocumentView {
	return adminDocumentView{
		documentView: s.documentView(d),
		NumberParts: numberPartsView{Sequence: d.NumberSequence, Year: d.NumberYear, TypeCode: d.NumberTypeCode,
			IssuerCode: d.IssuerCode()},
		Status: d.Status, Version: d.Version, TrashedAt: d.TrashedAt, TrashedByID: d.TrashedByID,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
}
