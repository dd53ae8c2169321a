package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// documentOwner is the owner type of documents' media links.
const documentOwner = "document"

// mimePDF is the only kind of file a document may attach.
const mimePDF = "application/pdf"

// DocumentInput is a new document as an editor entered it. The number arrives parsed; it is
// stored in canonical form.
type DocumentInput struct {
	Number        docnumber.Parts
	Title         string
	Type          string // the name of a document type
	Issuer        string
	Signer        string
	Field         string
	IssuedOn      models.Date
	EffectiveOn   *models.Date // nil: issued_on
	ExpiresOn     *models.Date // nil: none
	Status        string       // "": draft
	AttachmentIDs []int64      // PDFs only
}

// CreateDocument stores a document at version 1 with its PDFs. Every rule across fields and
// rows is checked at once (422 listing each); a number the issuer already used is a conflict.
func (s *Store) CreateDocument(ctx context.Context, actor Actor, in DocumentInput) (models.Document, error) {
	d := models.Document{
		Title: models.CleanText(in.Title), Issuer: models.CleanText(in.Issuer), Signer: models.CleanText(in.Signer),
		Field: models.CleanText(in.Field), IssuedOn: in.IssuedOn, EffectiveOn: in.IssuedOn, ExpiresOn: in.ExpiresOn,
		Status: cmp.Or(in.Status, models.PublicationDraft), Version: 1,
	}
	d.SetNumber(in.Number)
	setValue(&d.EffectiveOn, in.EffectiveOn, nil)
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := prepareDocument(tx, &d, models.CleanText(in.Type), in.AttachmentIDs); err != nil {
			return Audit{}, err
		}
		if err := tx.Omit(clause.Associations).Create(&d).Error; err != nil {
			return Audit{}, documentDuplicate(err, &d)
		}
		if err := afterDocumentWrite(tx, d, false, &in.AttachmentIDs); err != nil {
			return Audit{}, err
		}
		return documentAudit("document.create", d), nil
	})
	if err != nil {
		return models.Document{}, err
	}
	return s.DocumentByID(ctx, d.ID)
}

// DocumentPatch holds the fields of a document to change; nil (or not Set) means unchanged.
type DocumentPatch struct {
	Number        *docnumber.Parts
	Title         *string
	Type          *string // the name of a document type
	Issuer        *string
	Signer        *string
	Field         *string
	IssuedOn      *models.Date
	EffectiveOn   *models.Date
	ExpiresOn     models.Nullable[models.Date] // null: none
	Status        *string
	AttachmentIDs *[]int64 // PDFs only; replaces the list
}

// UpdateDocument applies a patch to the document at the version the client read, under the
// rules of CreateDocument.
func (s *Store) UpdateDocument(ctx context.Context, actor Actor, id int64, version int, p DocumentPatch) (models.Document, error) {
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		var d models.Document
		if err := s.lockAt(tx, &d, "document", id, version); err != nil {
			return Audit{}, err
		}
		if d.TrashedAt != nil {
			return Audit{}, models.Conflict("the document is in the trash: restore it first")
		}
		if err := tx.Take(&d.Type, d.TypeID).Error; err != nil {
			return Audit{}, err
		}
		wasPublished := d.Status == models.PublicationPublished
		if p.Number != nil {
			d.SetNumber(*p.Number)
		}
		typeName := d.Type.Name
		setValue(&typeName, p.Type, models.CleanText)
		setValue(&d.Title, p.Title, models.CleanText)
		setValue(&d.Issuer, p.Issuer, models.CleanText)
		setValue(&d.Signer, p.Signer, models.CleanText)
		setValue(&d.Field, p.Field, models.CleanText)
		setValue(&d.IssuedOn, p.IssuedOn, nil)
		setValue(&d.EffectiveOn, p.EffectiveOn, nil)
		setNullable(&d.ExpiresOn, p.ExpiresOn, nil)
		setValue(&d.Status, p.Status, nil)
		var attachments []int64
		if p.AttachmentIDs != nil {
			attachments = *p.AttachmentIDs
		}
		if err := prepareDocument(tx, &d, typeName, attachments); err != nil {
			return Audit{}, err
		}
		err := updateVersioned(tx, &models.Document{}, "document", id, version, map[string]any{
			"number":             d.Number,
			"number_key":         d.NumberKey,
			"number_sequence":    d.NumberSequence,
			"number_year":        d.NumberYear,
			"number_type_code":   d.NumberTypeCode,
			"number_issuer_code": d.NumberIssuerCode,
			"title":              d.Title,
			"type_id":            d.TypeID,
			"issuer":             d.Issuer,
			"signer":             d.Signer,
			"field":              d.Field,
			"issued_on":          d.IssuedOn,
			"effective_on":       d.EffectiveOn,
			"expires_on":         d.ExpiresOn,
			"status":             d.Status,
		})
		if err != nil {
			return Audit{}, err
		}
		if err := afterDocumentWrite(tx, d, wasPublished, p.AttachmentIDs); err != nil {
			return Audit{}, err
		}
		return documentAudit("document.update", d), nil
	})
	if err != nil {
		return models.Document{}, err
	}
	return s.DocumentByID(ctx, id)
}

// afterDocumentWrite keeps what follows a document in step with its row: the search entry, the
// outbox event when it becomes published, and its attachments when given.
func afterDocumentWrite(tx *gorm.DB, d models.Document, wasPublished bool, attachmentIDs *[]int64) error {
	if err := indexSearch(tx, documentSearchEntry(d)); err != nil {
		return err
	}
	if wasPublished || d.Status == models.PublicationPublished {
		purge(tx, surrogate.Documents, surrogate.Document(d.ID))
	}
	if !wasPublished && d.Status == models.PublicationPublished {
		if err := enqueueEvent(tx, models.EventDocumentPublished, documentEventData(d)); err != nil {
			return err
		}
	}
	if attachmentIDs == nil {
		return nil
	}
	return setMediaLinks(tx, documentOwner, d.ID, models.LinkAttachment, *attachmentIDs, "attachment_ids")
}

func documentAudit(action string, d models.Document) Audit {
	return Audit{Action: action, TargetType: "document", TargetID: strconv.FormatInt(d.ID, 10),
		Detail: "number=" + d.Number + ",status=" + d.Status}
}

// prepareDocument resolves the type, checks every rule that spans fields or rows, and fills the
// search text. A number already used by the same issuer is a conflict.
func prepareDocument(tx *gorm.DB, d *models.Document, typeName string, attachmentIDs []int64) error {
	var problems []models.FieldError
	var docType models.DocumentType
	err := tx.Where("name = ?", typeName).Take(&docType).Error
	switch {
	case err == nil:
		d.Type, d.TypeID = docType, docType.ID
		problems = append(problems, d.Problems()...)
	case errors.Is(err, gorm.ErrRecordNotFound):
		problems = append(problems, models.FieldError{Field: "type", Message: "must be the name of a document type (GET /api/v1/document-types)"})
	default:
		return err
	}
	pdfProblems, err := requirePDFs(tx, attachmentIDs)
	if err != nil {
		return err
	}
	if problems = append(problems, pdfProblems...); len(problems) > 0 {
		return models.Invalid(problems...)
	}
	var taken []int64
	err = tx.Model(&models.Document{}).Where("number_key = ? AND issuer = ? AND id <> ?", d.NumberKey, d.Issuer, d.ID).
		Pluck("id", &taken).Error
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return numberTaken(d)
	}
	return nil
}

// requirePDFs checks that every attachment is an existing PDF.
func requirePDFs(tx *gorm.DB, ids []int64) ([]models.FieldError, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []models.Media
	if err := tx.Select("id, mime").Where("id IN ?", ids).Find(&found).Error; err != nil {
		return nil, err
	}
	mimes := make(map[int64]string, len(found))
	for _, m := range found {
		mimes[m.ID] = m.Mime
	}
	var problems []models.FieldError
	for _, id := range ids {
		mime, ok := mimes[id]
		switch {
		case !ok:
			problems = append(problems, models.FieldError{Field: "attachment_ids", Message: fmt.Sprintf("media %d does not exist", id)})
		case mime != mimePDF:
			problems = append(problems, models.FieldError{Field: "attachment_ids", Message: fmt.Sprintf("media %d is %s, not a PDF", id, mime)})
		}
	}
	return problems, nil
}

// documentDuplicate reports a concurrent insert of the same number by the same issuer.
func documentDuplicate(err error, d *models.Document) error {
	if isDuplicate(err) {
		return numberTaken(d)
	}
	return err
}

func numberTaken(d *models.Document) error {
	return models.Conflict("%s already has a document numbered %s", d.Issuer, d.Number)
}

// documentSearchEntry is what search knows of a document: its number and trích yếu as the
// title, and its type, issuer, signer and field as the text. The public finds it once published.
func documentSearchEntry(d models.Document) SearchEntry {
	return SearchEntry{
		Kind:     KindDocument,
		ItemID:   d.ID,
		Title:    d.Number + " " + d.Title,
		Body:     strings.Join([]string{d.Type.Name, d.Issuer, d.Signer, d.Field}, " · "),
		Public:   d.Status == models.PublicationPublished,
		SortTime: d.IssuedOn.Time(),
	}
}

// DocumentByID finds a document in any state, with its type and attachments.
func (s *Store) DocumentByID(ctx context.Context, id int64) (models.Document, error) {
	var d models.Document
	if err := s.db.WithContext(ctx).Joins("Type").Take(&d, "documents.id = ?", id).Error; err != nil {
		return d, notFound(err, "document")
	}
	return d, s.withDocumentMedia(ctx, []*models.Document{&d})
}

// DocumentFilter selects documents; zero fields select everything.
type DocumentFilter struct {
	Status  string // "" for any
	Trashed bool   // the trash instead of the documents outside it
	Text    string // q: what search finds (search.Matches); a text without words finds nothing
	// Number matches the sequence, type code and issuer code of a number, and its year when it
	// has one: 05/QĐ-MTTW finds 05/2024/QĐ-MTTW too.
	Number  *docnumber.Parts
	TypeIDs []int64 // nil for any type; empty for none
	Issuer  string
	Field   string
	Year    int          // of issued_on
	From    *models.Date // issued on or after
	To      *models.Date // issued on or before
	// UpdatedSince keeps the documents changed at or after it.
	UpdatedSince *time.Time
}

// The facets of a search; documents leaves out the filter of the one it counts.
const (
	facetNone   = ""
	facetType   = "type"
	facetIssuer = "issuer"
	facetYear   = "year"
)

// documents is the query of the documents f selects, without the filter of facet.
func (s *Store) documents(ctx context.Context, f DocumentFilter, facet string) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&models.Document{}).Where(trashedFilter(f.Trashed))
	if f.Status != "" {
		q = q.Where("documents.status = ?", f.Status)
	}
	if f.Text != "" {
		q = s.matchSearch(ctx, q, "documents.id", KindDocument, f.Text)
	}
	if n := f.Number; n != nil {
		q = q.Where("documents.number_sequence = ? AND documents.number_type_code = ? AND documents.number_issuer_code = ?",
			n.Sequence, n.TypeCode, strings.ToUpper(n.IssuerCode))
		if n.Year != 0 {
			q = q.Where("documents.number_year = ?", n.Year)
		}
	}
	if f.TypeIDs != nil && facet != facetType {
		if len(f.TypeIDs) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("documents.type_id IN ?", f.TypeIDs)
		}
	}
	if f.Issuer != "" && facet != facetIssuer {
		q = q.Where("documents.issuer = ?", f.Issuer)
	}
	if f.Field != "" {
		q = q.Where("documents.field = ?", f.Field)
	}
	if f.Year != 0 && facet != facetYear {
		// A range rather than a year function: the same on both dialects, and it uses the index.
		q = q.Where("documents.issued_on >= ? AND documents.issued_on < ?",
			models.NewDate(f.Year, time.January, 1), models.NewDate(f.Year+1, time.January, 1))
	}
	if f.From != nil {
		q = q.Where("documents.issued_on >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("documents.issued_on <= ?", *f.To)
	}
	if f.UpdatedSince != nil {
		q = q.Where("documents.updated_at >= ?", f.UpdatedSince.UTC())
	}
	return q
}

// DocumentFacets counts the documents f selects by type, issuer and year of issue, each with
// every filter of f but its own; most frequent first, then by value.
func (s *Store) DocumentFacets(ctx context.Context, f DocumentFilter) (models.DocumentFacets, error) {
	return memoizedDocuments(ctx, s, "document-facets", f, func() (models.DocumentFacets, error) { return s.documentFacets(ctx, f) })
}

// memoizedDocuments keeps in the memo what is counted over the published documents f selects
// (the registry's total and facets), which every write of a published document purges; counts
// over drafts, which purge nothing, are never kept.
func memoizedDocuments[T any](ctx context.Context, s *Store, what string, f DocumentFilter, compute func() (T, error)) (T, error) {
	key, err := json.Marshal(f)
	if err != nil || f.Status != models.PublicationPublished {
		return compute()
	}
	return memoized(ctx, s, what+":"+string(key), []string{surrogate.Documents, surrogate.DocumentTypes, surrogate.Abbreviations}, s.Now(), false, compute)
}

func (s *Store) documentFacets(ctx context.Context, f DocumentFilter) (models.DocumentFacets, error) {
	var out models.DocumentFacets
	var err error
	if out.Type, err = s.documentFacet(ctx, f, facetType, "document_types.name"); err != nil {
		return out, err
	}
	if out.Issuer, err = s.documentFacet(ctx, f, facetIssuer, "documents.issuer"); err != nil {
		return out, err
	}
	out.Year, err = s.documentFacet(ctx, f, facetYear, s.yearOf("documents.issued_on"))
	return out, err
}

func (s *Store) documentFacet(ctx context.Context, f DocumentFilter, facet, value string) ([]models.FacetCount, error) {
	q := s.documents(ctx, f, facet)
	if facet == facetType {
		q = q.Joins("JOIN document_types ON document_types.id = documents.type_id")
	}
	out := []models.FacetCount{}
	err := q.Select(value + " AS value, COUNT(*) AS count").Group(value).Scan(&out).Error
	// Sorted here rather than in SQL, where the order of text depends on the database's
	// collation; values compare folded first, so Ủy ban sorts among the U's, not after Z.
	slices.SortFunc(out, func(a, b models.FacetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(search.Fold(a.Value), search.Fold(b.Value)), cmp.Compare(a.Value, b.Value))
	})
	return out, err
}

// yearOf is the SQL for the year of a date column, as text: a DATE on PostgreSQL, text
// "YYYY-MM-DD" on SQLite.
func (s *Store) yearOf(column string) string {
	if s.Dialect() == Postgres {
		return "to_char(" + column + ", 'YYYY')"
	}
	return "substr(" + column + ", 1, 4)"
}

// ListDocuments returns a page of the documents f selects, newest issued first, and the total:
// three queries whatever the page size.
func (s *Store) ListDocuments(ctx context.Context, f DocumentFilter, p models.Page) ([]models.Document, int64, error) {
	total, err := memoizedDocuments(ctx, s, "documents", f, func() (int64, error) {
		var n int64
		return n, s.documents(ctx, f, facetNone).Count(&n).Error
	})
	if err != nil {
		return nil, 0, err
	}
	var list []models.Document
	err = s.documents(ctx, f, facetNone).Joins("Type").Order("documents.issued_on DESC, documents.id DESC").
		Limit(p.PerPage).Offset(p.Offset()).Find(&list).Error
	if err != nil {
		return nil, 0, err
	}
	ptrs := make([]*models.Document, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return list, total, s.withDocumentMedia(ctx, ptrs)
}

// DocumentSitemap lists the published documents for the sitemap, newest issued first and at
// most limit. Documents have no slug: their pages go by id.
func (s *Store) DocumentSitemap(ctx context.Context, limit int) ([]SitemapEntry, error) {
	var out []SitemapEntry
	err := s.db.WithContext(ctx).Model(&models.Document{}).Select("id, updated_at").
		Where("status = ?", models.PublicationPublished).Order("issued_on DESC, id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// documentKind is documents for the steps they share with announcements.
var documentKind = attachedKind{"document", KindDocument, documentOwner, surrogate.Documents, surrogate.Document,
	func(tx *gorm.DB, id int64) (SearchEntry, error) {
		var d models.Document
		err := tx.Joins("Type").Take(&d, "documents.id = ?", id).Error
		return documentSearchEntry(d), err
	}, nil}

// DeleteDocument moves a document to the trash at the version the client read: it becomes a
// draft, out of every public read, until restored or deleted for good.
func (s *Store) DeleteDocument(ctx context.Context, actor Actor, id int64, version int) error {
	return s.trashAttached(ctx, actor, &models.Document{}, documentKind, id, version)
}

// RestoreDocument takes a document out of the trash, as a draft.
func (s *Store) RestoreDocument(ctx context.Context, actor Actor, id int64, version int) (models.Document, error) {
	if err := s.restoreAttached(ctx, actor, &models.Document{}, documentKind, id, version); err != nil {
		return models.Document{}, err
	}
	return s.DocumentByID(ctx, id)
}

// DeleteDocumentForGood deletes a document in the trash, with its links.
func (s *Store) DeleteDocumentForGood(ctx context.Context, actor Actor, id int64, version int) error {
	return s.deleteAttachedForGood(ctx, actor, &models.Document{}, documentKind, id, version)
}

// withDocumentMedia fills the attachments of every document in one query.
func (s *Store) withDocumentMedia(ctx context.Context, list []*models.Document) error {
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	media, err := s.mediaOf(ctx, documentOwner, models.LinkAttachment, ids)
	if err != nil {
		return err
	}
	for _, d := range list {
		d.Attachments = media[d.ID]
	}
	return nil
}
