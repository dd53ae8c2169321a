package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// Limits of the public submission form.
const (
	submissionWindow       = time.Hour // TOASOAN_SUBMISSIONS_PER_HOUR are accepted per IP within it
	maxSubmissionFiles     = 3
	maxSubmissionFileBytes = 10 << 20  // each; the upload limit if that is lower
	maxFormFieldBytes      = 128 << 10 // more than any field's limit in characters can take
)

// submissionRequest is a submission as JSON, or as the fields of a multipart form.
type submissionRequest struct {
	Name    string `json:"name" validate:"notblank,max=200"`
	Email   string `json:"email" validate:"required,email,max=254"`
	Phone   string `json:"phone,omitempty" validate:"max=20"`
	Subject string `json:"subject" validate:"notblank,max=300"`
	Content string `json:"content" validate:"notblank,max=20000"`
	// Website is a honeypot: a form hides it from people, so only bots fill it in.
	Website string `json:"website,omitempty"`
}

// submissionReceipt is what the submitter gets back; the tracking code is their only key.
type submissionReceipt struct {
	TrackingCode string    `json:"tracking_code" example:"7KQ4MZ2XW9HB"`
	Status       string    `json:"status" example:"received" enums:"received"`
	CreatedAt    time.Time `json:"created_at" format:"date-time"`
} // @name SubmissionReceipt

type submissionReceiptResponse struct {
	Data submissionReceipt `json:"data"`
} // @name SubmissionReceiptResponse

// submissionStatus is the public status page of a submission: nothing personal in it.
type submissionStatus struct {
	TrackingCode string    `json:"tracking_code" example:"7KQ4MZ2XW9HB"`
	Status       string    `json:"status" example:"answered" enums:"received,in_review,answered,closed"`
	CreatedAt    time.Time `json:"created_at" format:"date-time"`
	UpdatedAt    time.Time `json:"updated_at" format:"date-time"`
	Reply        *string   `json:"reply" example:"Cảm ơn bạn đã góp ý, …" extensions:"x-nullable"` // null until answered
} // @name SubmissionStatus

type submissionStatusResponse struct {
	Data submissionStatus `json:"data"`
} // @name SubmissionStatusResponse

// phonePattern: digits, spaces and +, as people write numbers.
var phonePattern = regexp.MustCompile(`^[0-9+ ]*$`)

// submissionChecks are the rules struct tags cannot say.
func submissionChecks(req submissionRequest) []models.FieldError {
	if !phonePattern.MatchString(req.Phone) {
		return []models.FieldError{{Field: "phone", Message: "may contain only digits, spaces and +"}}
	}
	return nil
}

// withFields adds fields to a validation failure (or makes one), so every bad field is listed at
// once; other errors pass unchanged.
func withFields(err error, fields []models.FieldError) error {
	if len(fields) == 0 {
		return err
	}
	if err == nil {
		return models.Invalid(fields...)
	}
	var verr *models.Error
	if errors.As(err, &verr) && verr.Code == models.CodeValidation {
		verr.Fields = append(verr.Fields, fields...)
	}
	return err
}

// submissionFile is an attachment already in storage, waiting for its submission.
type submissionFile struct {
	storedUpload
	Name string
}

// createSubmission godoc
//
//	@ID			createSubmission
//	@Summary		Send a message to the editorial board ("Gửi ban biên tập")
//	@Description	Send the fields as multipart/form-data, with up to 3 parts named `files` (JPEG, PNG, WebP, GIF or PDF, sniffed from the content; each at most 10 MiB, or TOASOAN_MAX_UPLOAD_MB if lower), or as a JSON object with the same fields and no files: `{"name", "email", "phone", "subject", "content", "website"}`.
//	@Description	Answers with the tracking code the submitter keeps to follow the reply. TOASOAN_SUBMISSIONS_PER_HOUR accepted submissions per IP an hour (default 5), then 429 with Retry-After; a refused one (400, 413, 415, 422) does not count. Never cached.
//	@Description	An attachment of a type not allowed is 415 naming it (files[i]); with other bad fields in the same request, one 422 lists them all, the attachment included. A form field it does not know is a bad field, as in JSON.
//	@Description	`website` is a honeypot: hide it in the form; when filled in, the submission is answered as usual but filed as spam.
//	@Tags			submissions
//	@Accept			mpfd,json
//	@Produce		json
//	@Param			name	formData	string	true	"sender's name, at most 200 characters"
//	@Param			email	formData	string	true	"sender's email"
//	@Param			phone	formData	string	false	"phone: digits, spaces and +, at most 20"
//	@Param			subject	formData	string	true	"subject, at most 300 characters"
//	@Param			content	formData	string	true	"the message, at most 20000 characters"
//	@Param			website	formData	string	false	"honeypot: leave empty"
//	@Param			files	formData	[]file	false	"attachments: repeat the part, up to 3"	collectionFormat(multi)
//	@Success		201		{object}	submissionReceiptResponse
//	@Header			201		{string}	Location	"the submission's status page"
//	@Failure		400		{object}	problem	"malformed JSON or multipart body"
//	@Failure		413		{object}	problem	"an attachment or the body over its limit"
//	@Failure		415		{object}	problem	"neither JSON nor multipart, or an attachment of a type not allowed and nothing else wrong (errors name files[i])"
//	@Failure		422		{object}	problem	"invalid or unknown fields, more than 3 files, or an attachment not allowed together with other bad fields"
//	@Failure		429		{object}	problem	"too many submissions from this IP"
//	@Router			/api/v1/submissions [post]
func (s *Server) createSubmission(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	// The quota counts accepted submissions only. A place in it is reserved first, atomically, so
	// concurrent requests from one IP never accept more than the quota, and given back when the
	// submission is refused (or over the quota).
	throttleKey := "submission:ip:" + c.RealIP()
	n, resetAt, err := s.submissionThrottle.Add(ctx, throttleKey)
	if err != nil {
		return err
	}
	var req submissionRequest
	var files []submissionFile
	committed := false
	defer func() {
		if !committed {
			if err := s.submissionThrottle.Release(context.WithoutCancel(ctx), throttleKey); err != nil {
				s.log.Warn("release a submission reservation", "request_id", requestIDOf(c), "error", err.Error())
			}
			for _, f := range files {
				s.removeFiles(c, f.keys()...)
			}
		}
	}()
	if n > s.submissionLimit {
		return models.RateLimited(resetAt.Sub(s.now()))
	}
	if isMultipart(c) {
		req, files, err = s.readSubmissionForm(c)
	} else {
		err = bindJSON(c, &req)
		err = withFields(err, submissionChecks(req))
	}
	if err != nil {
		return err
	}

	in := store.NewSubmission{Name: req.Name, Email: req.Email, Phone: req.Phone,
		Subject: req.Subject, Content: req.Content, Spam: req.Website != ""}
	attachments := make([]models.Media, len(files))
	for i, f := range files {
		attachments[i] = models.Media{Key: f.Key, Name: f.Name, Mime: f.Mime, Size: f.Size, Width: f.Width, Height: f.Height, Checksum: f.Checksum,
			Variants: f.Variants.List, Placeholder: f.Variants.Placeholder}
	}
	sub, err := s.store.CreateSubmission(ctx, actorOf(c), in, attachments)
	if err != nil {
		return err
	}
	committed = true
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/submissions/"+sub.TrackingCode)
	// A bot that filled the honeypot sees exactly what a person sees.
	return c.JSON(http.StatusCreated, submissionReceiptResponse{Data: submissionReceipt{
		TrackingCode: sub.TrackingCode, Status: models.SubmissionReceived, CreatedAt: sub.CreatedAt,
	}})
}

// readSubmissionForm reads a multipart submission part by part, streaming each file into storage
// as it arrives. Files beyond the third are read past and reported with the other bad fields;
// a file of a type not allowed is 415 naming it (files[i]). The files stored so far are
// returned even with an error, for the caller to remove.
func (s *Server) readSubmissionForm(c echo.Context) (submissionRequest, []submissionFile, error) {
	var req submissionRequest
	var files []submissionFile
	perFile := min(int64(maxSubmissionFileBytes), s.cfg.MaxUploadBytes)
	mr, err := multipartReader(c, maxSubmissionFiles*perFile+multipartOverhead, perFile)
	if err != nil {
		return req, nil, err
	}
	fields := map[string]*string{"name": &req.Name, "email": &req.Email, "phone": &req.Phone,
		"subject": &req.Subject, "content": &req.Content, "website": &req.Website}
	var unsupported, unknown []models.FieldError
	seen := 0 // non-empty file parts
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return req, files, partError(err, perFile)
		}
		if dst, ok := fields[part.FormName()]; ok {
			v, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes))
			if err != nil {
				return req, files, partError(err, perFile)
			}
			*dst = strings.ToValidUTF8(string(v), "\uFFFD")
			continue
		}
		if part.FormName() != "files" {
			if !readOnlyFields[part.FormName()] {
				unknown = append(unknown, models.FieldError{Field: part.FormName(), Message: "unknown field"})
			}
			continue
		}
		if seen >= maxSubmissionFiles {
			seen++ // read past, and reported below
			continue
		}
		field := fmt.Sprintf("files[%d]", seen)
		f, err := s.saveUpload(c, part, perFile)
		var bad *media.UnsupportedError
		switch {
		case errors.Is(err, media.ErrEmpty):
			continue // an empty file input of an HTML form
		case errors.As(err, &bad):
			unsupported = append(unsupported, models.FieldError{Field: field, Message: "must be a " + media.AllowedNames + " file; its content is " + bad.Detected})
		case err != nil:
			return req, files, uploadError(err, field, perFile)
		default:
			files = append(files, submissionFile{storedUpload: f, Name: media.SafeName(part.FileName(), media.Allowed[f.Mime], fmt.Sprintf("file-%d", seen+1))})
		}
		seen++
	}
	checks := append(unknown, submissionChecks(req)...)
	if seen > maxSubmissionFiles {
		checks = append(checks, models.FieldError{Field: "files", Message: fmt.Sprintf("must be at most %d files", maxSubmissionFiles)})
	}
	err = withFields(c.Validate(&req), checks)
	if len(unsupported) > 0 {
		if err == nil {
			return req, files, &models.Error{Code: models.CodeUnsupportedMediaType, Message: "only " + media.AllowedNames + " files are accepted", Fields: unsupported}
		}
		// One answer lists every bad field, the attachments included.
		err = withFields(err, unsupported)
	}
	return req, files, err
}

// getSubmissionStatus godoc
//
//	@ID			getSubmissionStatus
//	@Summary		Follow a submission by its tracking code
//	@Description	Status and the board's reply only; nothing personal. Never cached.
//	@Tags			submissions
//	@Produce		json
//	@Param			tracking_code	path		string	true	"the code given when the submission was sent"
//	@Success		200				{object}	submissionStatusResponse
//	@Failure		400				{object}	problem
//	@Failure		404				{object}	problem
//	@Router			/api/v1/submissions/{tracking_code} [get]
func (s *Server) getSubmissionStatus(c echo.Context) error {
	noStore(c)
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	code := models.NormalTrackingCode(c.Param("tracking_code"))
	if code == "" {
		return models.NotFound("submission")
	}
	sub, err := s.store.SubmissionByCode(c.Request().Context(), code)
	if err != nil {
		return err
	}
	status := sub.Status
	if status == models.SubmissionSpam {
		status = models.SubmissionReceived // spam is filed silently
	}
	out := submissionStatus{TrackingCode: sub.TrackingCode, Status: status, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
	if sub.Reply != "" {
		out.Reply = &sub.Reply
	}
	return c.JSON(http.StatusOK, submissionStatusResponse{Data: out})
}

// submissionSummary is a submission in the editors' list.
type submissionSummary struct {
	ID           int64      `json:"id" example:"118"`
	TrackingCode string     `json:"tracking_code" example:"7KQ4MZ2XW9HB"`
	Name         string     `json:"name" example:"Trần Thị Bích Ngọc"`
	Email        string     `json:"email" example:"bichngoc.tran@example.vn"`
	Phone        string     `json:"phone" example:"+84 912 345 678"`
	Subject      string     `json:"subject" example:"Phản ánh về đường liên xã"`
	Status       string     `json:"status" example:"in_review" enums:"received,in_review,answered,closed,spam"`
	Assignee     *userRef   `json:"assignee" extensions:"x-nullable"` // null when nobody is assigned
	RepliedAt    *time.Time `json:"replied_at" extensions:"x-nullable" format:"date-time"`
	Version      int        `json:"version" example:"3"`
	CreatedAt    time.Time  `json:"created_at" format:"date-time"`
	UpdatedAt    time.Time  `json:"updated_at" format:"date-time"`
} // @name SubmissionSummary

// submissionNote is an internal note, for editors only.
type submissionNote struct {
	ID        int64     `json:"id"`
	Author    userRef   `json:"author"`
	Body      string    `json:"body" example:"Đã liên hệ UBND xã, chờ phản hồi."`
	CreatedAt time.Time `json:"created_at" format:"date-time"`
} // @name SubmissionNote

// submissionDetail is everything about a submission, for editors.
type submissionDetail struct {
	submissionSummary
	Content     string              `json:"content"`
	Reply       *string             `json:"reply" extensions:"x-nullable"` // what the submitter sees by tracking code; null until answered
	Notes       []submissionNote    `json:"notes"`
	Attachments []models.Attachment `json:"attachments"`
} // @name SubmissionDetail

type submissionDetailResponse struct {
	Data submissionDetail `json:"data"`
} // @name SubmissionDetailResponse

type submissionListResponse struct {
	Data []submissionSummary `json:"data"`
	Meta listMeta            `json:"meta"`
} // @name SubmissionList

// updateSubmissionRequest is an editor's change; every field is optional, at least one is needed.
type updateSubmissionRequest struct {
	Status     *string                `json:"status,omitempty" validate:"omitnil,oneof=received in_review answered closed spam" example:"in_review"`
	AssigneeID models.Nullable[int64] `json:"assignee_id,omitempty" swaggertype:"integer" extensions:"x-nullable" example:"7"`         // an editor's or admin's id; null unassigns
	Note       *string                `json:"note,omitempty" validate:"omitnil,notblank,max=5000" example:"Đã chuyển phòng Kiểm tra."` // appended to the internal notes
	Reply      *string                `json:"reply,omitempty" validate:"omitnil,notblank,max=20000" example:"Cảm ơn bạn, …"`           // plain text shown to the submitter; status becomes answered unless given
} // @name UpdateSubmissionRequest

func summaryOf(sub models.Submission, names map[int64]string) submissionSummary {
	out := submissionSummary{ID: sub.ID, TrackingCode: sub.TrackingCode, Name: sub.Name, Email: sub.Email, Phone: sub.Phone,
		Subject: sub.Subject, Status: sub.Status, RepliedAt: sub.RepliedAt, Version: sub.Version, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
	if sub.AssigneeID != nil {
		out.Assignee = &userRef{ID: *sub.AssigneeID, Name: names[*sub.AssigneeID]}
	}
	return out
}

// listSubmissions godoc
//
//	@ID			listSubmissions
//	@Summary		List reader submissions
//	@Description	Newest first. Without `status`, spam is left out. `q` ignores case and Vietnamese diacritics; every word must be a word of the subject, message, name, email or tracking code, the last may also be the start of one.
//	@Tags			submissions
//	@Produce		json
//	@Param			status		query		string	false	"only this status"	Enums(received, in_review, answered, closed, spam)
//	@Param			q			query		string	false	"words to find"
//	@Param			assignee	query		string	false	"an assignee's user id, or none for the unassigned"
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	submissionListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/submissions [get]
func (s *Server) listSubmissions(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "status", "q", "assignee")...)
	f := store.SubmissionFilter{Status: q.OneOf("status", "", models.SubmissionStatuses...), Query: q.SearchText("q")}
	if q.String("assignee") == "none" {
		f.Unassigned = true
	} else {
		f.AssigneeID = q.ID("assignee")
	}
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	subs, total, err := s.store.ListSubmissions(ctx, f, page)
	if err != nil {
		return err
	}
	var assignees []int64
	for _, sub := range subs {
		if sub.AssigneeID != nil {
			assignees = append(assignees, *sub.AssigneeID)
		}
	}
	names, err := s.store.UserNames(ctx, assignees)
	if err != nil {
		return err
	}
	out := make([]submissionSummary, len(subs))
	for i, sub := range subs {
		out[i] = summaryOf(sub, names)
	}
	return c.JSON(http.StatusOK, submissionListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getSubmission godoc
//
//	@ID			getSubmission
//	@Summary	Show a reader submission with its notes and attachments
//	@Tags		submissions
//	@Produce	json
//	@Param		id	path		int	true	"submission id"
//	@Success	200	{object}	submissionDetailResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/submissions/{id} [get]
func (s *Server) getSubmission(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	sub, err := s.store.SubmissionByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.submissionDetail(c, sub)
}

// submissionDetail answers with a submission, its notes and attachments, and the names of the
// people in them: four queries. Its version is the ETag.
func (s *Server) submissionDetail(c echo.Context, sub models.Submission) error {
	ctx := c.Request().Context()
	notes, err := s.store.SubmissionNotes(ctx, sub.ID)
	if err != nil {
		return err
	}
	files, err := s.store.SubmissionAttachments(ctx, sub.ID)
	if err != nil {
		return err
	}
	var people []int64
	if sub.AssigneeID != nil {
		people = append(people, *sub.AssigneeID)
	}
	for _, n := range notes {
		people = append(people, n.AuthorID)
	}
	names, err := s.store.UserNames(ctx, people)
	if err != nil {
		return err
	}
	out := submissionDetail{submissionSummary: summaryOf(sub, names), Content: sub.Content,
		Notes: make([]submissionNote, len(notes)), Attachments: make([]models.Attachment, len(files))}
	if sub.Reply != "" {
		out.Reply = &sub.Reply
	}
	for i, n := range notes {
		out.Notes[i] = submissionNote{ID: n.ID, Author: userRef{ID: n.AuthorID, Name: names[n.AuthorID]}, Body: n.Body, CreatedAt: n.CreatedAt}
	}
	for i, m := range files {
		out.Attachments[i] = models.AttachmentOf(m, s.cfg.MediaURL)
	}
	setVersionETag(c, sub.Version)
	return c.JSON(http.StatusOK, submissionDetailResponse{Data: out})
}

// trackingURL is the link a reader's mail gives to their submission's tracking page: the
// public API's (GET /api/v1/submissions/{tracking_code}, under TOASOAN_PUBLIC_URL), as API.md
// gives the site no page for it.
func trackingURL(cfg config.Config, code string) string {
	return cfg.PublicURL + "/api/v1/submissions/" + url.PathEscape(code)
}

// updateSubmission godoc
//
//	@ID			updateSubmission
//	@Summary		Work on a reader submission
//	@Description	Change the status, assign it (`assignee_id`: an active editor or admin; null unassigns), add an internal note, or reply. A reply is plain text the submitter sees by tracking code; it sets the status to answered unless `status` is given. A reply (unless the submission is spam) also emails the submitter, at the address they gave, with the reply and the link to their tracking page: the mail is recorded in the outbox in the same transaction and sent by the mail worker through TOASOAN_SMTP_URL (at least once, retried with backoff; logged instead when it is unset). Each reply is one mail: a new reply, a new mail. Every change is in the audit log. Needs If-Match with the version read (428 without, 412 when stale); every change, a note too, bumps the version.
//	@Tags			submissions
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"submission id"
//	@Param			If-Match	header		string					true	"the version read, as its ETag gave it"
//	@Param			body		body		updateSubmissionRequest	true	"what to change: at least one field"
//	@Success		200			{object}	submissionDetailResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Failure		404			{object}	problem
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/submissions/{id} [patch]
func (s *Server) updateSubmission(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c, s.versionOf("submission", id))
	if err != nil {
		return err
	}
	var req updateSubmissionRequest
	err = bindJSON(c, &req)
	var checks []models.FieldError
	if req.AssigneeID.Value != nil && *req.AssigneeID.Value < 1 {
		checks = append(checks, models.FieldError{Field: "assignee_id", Message: "must be a user id, or null to unassign"})
	}
	if err == nil && req.Status == nil && !req.AssigneeID.Set && req.Note == nil && req.Reply == nil {
		checks = append(checks, models.FieldError{Field: "body", Message: "give at least one of status, assignee_id, note, reply"})
	}
	if err := withFields(err, checks); err != nil {
		return err
	}
	patch := store.SubmissionPatch{Status: req.Status, Assignee: req.AssigneeID, Note: req.Note, Reply: req.Reply}
	sub, err := s.store.UpdateSubmission(c.Request().Context(), actorOf(c), id, version, patch)
	if err != nil {
		return err
	}
	return s.submissionDetail(c, sub)
}
