package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
)

// multipartOverhead is the room a multipart body needs beyond its files: part headers, framing
// and the text fields beside them.
const multipartOverhead = 1 << 20

// isMultipart reports whether the request body is multipart/form-data.
func isMultipart(c echo.Context) bool {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	return err == nil && mt == echo.MIMEMultipartForm
}

// multipartReader streams a multipart/form-data body part by part (nothing is buffered in
// memory or in temporary files). A body declared larger than bodyLimit is refused before it is
// read, and one that grows past it is cut off: both are 413, telling the client the limit of a
// file. The server's body limit skips multipart requests, so this is their limit.
func multipartReader(c echo.Context, bodyLimit, fileLimit int64) (*multipart.Reader, error) {
	if !isMultipart(c) {
		return nil, &models.Error{Code: models.CodeUnsupportedMediaType, Message: "send the body as multipart/form-data"}
	}
	req := c.Request()
	if req.ContentLength > bodyLimit {
		return nil, tooLarge(fileLimit)
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, bodyLimit)
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, models.BadRequest("malformed multipart body: " + err.Error())
	}
	return mr, nil
}

func tooLarge(fileLimit int64) error {
	return &models.Error{Code: models.CodePayloadTooLarge, Message: fmt.Sprintf("the upload is too large: a file may be at most %s", mebibytes(fileLimit))}
}

func mebibytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// storedUpload is an uploaded file in storage, with the variants made of it when it is an image.
type storedUpload struct {
	media.File
	Variants media.Variants
}

// keys are the storage keys of the file and its variants.
func (u storedUpload) keys() []string { return append([]string{u.Key}, u.Variants.Keys()...) }

// saveUpload streams one uploaded file into storage (media.Save) and makes an image's variants
// (waiting, within the request's deadline, for a decode slot). An image that cannot be decoded
// is refused like any bad upload (uploadError: 422), and nothing of it stays in storage.
func (s *Server) saveUpload(c echo.Context, r io.Reader, limit int64) (storedUpload, error) {
	ctx := c.Request().Context()
	f, err := media.Save(ctx, s.media, r, limit, s.cfg.MaxImagePixels, s.now())
	if err != nil {
		return storedUpload{}, err
	}
	v, err := s.images.Make(ctx, s.media, models.Media{Key: f.Key, Mime: f.Mime})
	if err != nil {
		s.removeFiles(c, f.Key)
		return storedUpload{}, err
	}
	return storedUpload{File: f, Variants: v}, nil
}

// uploadError maps what went wrong with one uploaded file (the form field) to the client's
// error: over the size limit 413, a type not allowed 415, a broken body 400, too many pixels or
// a damaged image 422. Storage and other failures stay internal.
func uploadError(err error, field string, fileLimit int64) error {
	var unsupported *media.UnsupportedError
	var readErr *media.ReadError
	var tooManyPixels *media.TooManyPixelsError
	var undecodable *media.DecodeError
	switch {
	case errors.As(err, &undecodable):
		return models.InvalidField(field, "is a damaged image: its header is readable but the picture cannot be decoded")
	case errors.As(err, &tooManyPixels):
		return models.InvalidField(field, fmt.Sprintf("is an image of %d×%d pixels; at most %d pixels (TOASOAN_MAX_IMAGE_PIXELS) are accepted",
			tooManyPixels.Width, tooManyPixels.Height, tooManyPixels.Max))
	case errors.Is(err, media.ErrTooLarge):
		return tooLarge(fileLimit)
	case errors.As(err, &unsupported):
		return &models.Error{Code: models.CodeUnsupportedMediaType, Message: "only " + media.AllowedNames + " files are accepted",
			Fields: []models.FieldError{{Field: field, Message: "must be a " + media.AllowedNames + " file; its content is " + unsupported.Detected}}}
	case errors.Is(err, media.ErrEmpty):
		return models.InvalidField(field, "is empty")
	case errors.As(err, &readErr):
		return partError(readErr.Err, fileLimit)
	}
	return err
}

// partError maps a failure reading the multipart body itself.
func partError(err error, fileLimit int64) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return tooLarge(fileLimit)
	}
	return models.BadRequest("malformed multipart body: " + strings.TrimPrefix(err.Error(), "multipart: "))
}
