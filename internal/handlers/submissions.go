package handlers

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
)

// Limits of the public submission form.
const (
	submissionsPerWindow   = 5 // per IP within submissionWindow
	submissionWindow       = time.Hour
	maxSubmissionFiles     = 3
	maxSubmissionFileBytes = 10 << 20  // each; the upload limit if that is lower
	maxFormFieldBytes      = 128 << 10 // more than any field's limit in characters can take
)

// submissionRequest is a submission as JSON, or as the fields of a multipart form.
type submissionRequest struct {
	Name    string `json:"name" validate:"notblank,max=200"`
	Email   string `json:"email" validate:"required,email,max=254"`
	Phone   string `json:"phone" validate:"max=20"`
	Subject string `json:"subject" validate:"notblank,max=300"`
	Content string `json:"content" validate:"notblank,max=20000"`
	// Website is a honeypot: a form hides it from people, so only bots fill it in.
	Website string `json:"website"`
}

// submissionReceipt is what the submitter gets back; the tracking code is their only key.
type submissionReceipt struct {
	TrackingCode string    `json:"tracking_code" example:"7KQ4MZ2XW9HB"`
	Status       string    `json:"status" example:"received"`
	CreatedAt    time.Time `json:"created_at"`
} // @name SubmissionReceipt

type submissionReceiptResponse struct {
	Data submissionReceipt `json:"data"`
} // @name SubmissionReceiptResponse

// submissionStatus is the public status page of a submission: nothing personal in it.
type submissionStatus struct {
	TrackingCode string    `json:"tracking_code" example:"7KQ4MZ2XW9HB"`
	Status       string    `json:"status" example:"answered" enums:"received,in_review,answered,closed"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Reply        *string   `json:"reply" example:"Cảm ơn bạn đã góp ý, …"` // null until answered
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

// cleanText trims a field for storage. NUL, which PostgreSQL cannot store, becomes U+FFFD, so a
// field that was not blank stays not blank.
func cleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD"))
}

// submissionFile is an attachment already in storage, waiting for its submission.
type submissionFile struct {
	media.File
	Name string
}

// createSubmission godoc
//
//	@Summary		Send a message to the editorial board ("Gửi ban biên tập")
//	@Description	Send the fields as multipart/form-data, with up to 3 parts named `files` (JPEG, PNG, WebP, GIF or PDF, sniffed from the content; each at most 10 MiB, or TOASOAN_MAX_UPLOAD_MB if lower), or as a JSON object with the same fields and no files: `{"name", "email", "phone", "subject", "content", "website"}`.
//	@Description	Answers with the tracking code the submitter keeps to follow the reply. Five submissions per IP an hour, then 429 with Retry-After. Never cached.
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
//	@Param			files	formData	file	false	"an attachment; repeat the part for up to 3"
//	@Success		201		{object}	submissionReceiptResponse
//	@Header			201		{string}	Location	"the submission's status page"
//	@Failure		400		{object}	problem	"malformed JSON or multipart body"
//	@Failure		413		{object}	problem	"an attachment or the body over its limit"
//	@Failure		415		{object}	problem	"neither JSON nor multipart, or an attachment of a type not allowed (errors name files[i])"
//	@Failure		422		{object}	problem	"invalid fields, or more than 3 files"
//	@Failure		429		{object}	problem	"too many submissions from this IP"
//	@Router			/api/v1/submissions [post]
func (s *Server) createSubmission(c echo.Context) error {
	noStore(c)
	ctx := c.Request().Context()
	n, resetAt, err := s.submissionThrottle.Add(ctx, "submission:ip:"+c.RealIP())
	if err != nil {
		return err
	}
	if n > s.submissionLimit {
		return models.RateLimited(resetAt.Sub(s.now()))
	}

	var req submissionRequest
	var files []submissionFile
	committed := false
	defer func() {
		if !committed {
			for _, f := range files {
				s.removeFiles(c, f.Key)
			}
		}
	}()
	if isMultipart(c) {
		req, files, err = s.readSubmissionForm(c)
	} else {
		err = bindJSON(c, &req)
		err = withFields(err, submissionChecks(req))
	}
	if err != nil {
		return err
	}

	sub := models.Submission{
		TrackingCode: newTrackingCode(),
		Name:         cleanText(req.Name),
		Email:        cleanText(req.Email),
		Phone:        cleanText(req.Phone),
		Subject:      cleanText(req.Subject),
		Content:      cleanText(req.Content),
		Status:       models.SubmissionReceived,
	}
	if req.Website != "" {
		sub.Status = models.SubmissionSpam
	}
	attachments := make([]models.Media, len(files))
	for i, f := range files {
		attachments[i] = models.Media{Key: f.Key, Name: f.Name, Mime: f.Mime, Size: f.Size, Width: f.Width, Height: f.Height, Checksum: f.Checksum}
	}
	if err := s.store.CreateSubmission(ctx, &sub, attachments); err != nil {
		return err
	}
	committed = true
	// Ids and counts only: what a reader wrote is personal data and stays out of logs and audit.
	s.audit(c, nil, "submission.create", "submission", strconv.FormatInt(sub.ID, 10),
		fmt.Sprintf("status=%s attachments=%d", sub.Status, len(files)))
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
	mr, err := multipartReader(c, maxSubmissionFiles*perFile+multipartOverhead)
	if err != nil {
		return req, nil, err
	}
	fields := map[string]*string{"name": &req.Name, "email": &req.Email, "phone": &req.Phone,
		"subject": &req.Subject, "content": &req.Content, "website": &req.Website}
	var unsupported []models.FieldError
	seen := 0 // non-empty file parts
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return req, files, partError(err)
		}
		if dst, ok := fields[part.FormName()]; ok {
			v, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes))
			if err != nil {
				return req, files, partError(err)
			}
			*dst = strings.ToValidUTF8(string(v), "\uFFFD")
			continue
		}
		if part.FormName() != "files" {
			continue
		}
		if seen >= maxSubmissionFiles {
			seen++ // read past, and reported below
			continue
		}
		field := fmt.Sprintf("files[%d]", seen)
		f, err := media.Save(c.Request().Context(), s.media, part, perFile, s.now())
		var bad *media.UnsupportedError
		switch {
		case errors.Is(err, media.ErrEmpty):
			continue // an empty file input of an HTML form
		case errors.As(err, &bad):
			unsupported = append(unsupported, models.FieldError{Field: field, Message: "must be a " + media.AllowedNames + " file; its content is " + bad.Detected})
		case err != nil:
			return req, files, uploadError(err, field, perFile)
		default:
			files = append(files, submissionFile{File: f, Name: media.SafeName(part.FileName(), fmt.Sprintf("file-%d.%s", seen+1, media.Allowed[f.Mime]))})
		}
		seen++
	}
	if len(unsupported) > 0 {
		return req, files, &models.Error{Code: models.CodeUnsupportedMediaType, Message: "only " + media.AllowedNames + " files are accepted", Fields: unsupported}
	}
	checks := submissionChecks(req)
	if seen > maxSubmissionFiles {
		checks = append(checks, models.FieldError{Field: "files", Message: fmt.Sprintf("must be at most %d files", maxSubmissionFiles)})
	}
	return req, files, withFields(c.Validate(&req), checks)
}

// trackingAlphabet leaves out 0/O and 1/I/L, which readers confuse when they copy a code by hand.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// trackingCodeLen characters of 31 give 59 bits: a code cannot be guessed.
const trackingCodeLen = 12

func newTrackingCode() string {
	code := make([]byte, 0, trackingCodeLen)
	buf := make([]byte, 2*trackingCodeLen)
	for len(code) < trackingCodeLen {
		_, _ = rand.Read(buf) // never fails (crypto/rand panics when the system has no randomness)
		for _, b := range buf {
			// Bytes from 248 = 8×31 up are dropped, so every character is equally likely.
			if b < 248 && len(code) < trackingCodeLen {
				code = append(code, trackingAlphabet[int(b)%len(trackingAlphabet)])
			}
		}
	}
	return string(code)
}

// normalTrackingCode accepts a code typed in lower case or with spaces around; "" when it cannot
// be one.
func normalTrackingCode(raw string) string {
	code := strings.ToUpper(strings.TrimSpace(raw))
	if len(code) != trackingCodeLen || strings.Trim(code, trackingAlphabet) != "" {
		return ""
	}
	return code
}

// getSubmissionStatus godoc
//
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
	code := normalTrackingCode(c.Param("tracking_code"))
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
