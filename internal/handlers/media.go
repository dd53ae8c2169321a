package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// mediaRoute serves stored files, outside /api/v1 so their URLs stay short and stable.
const mediaRoute = "/media/*"

// mediaCacheControl: a key is never reused for other content, so a file may be cached forever.
const mediaCacheControl = "public, max-age=31536000, immutable"

// mediaItem is a library item as the editorial API shows it.
type mediaItem struct {
	ID     int64  `json:"id" example:"42"`
	URL    string `json:"url" example:"https://mattran.org.vn/media/2026/11/k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg"`
	Name   string `json:"name" example:"hoi-nghi.jpg"`
	Mime   string `json:"mime" example:"image/jpeg" enums:"application/pdf,image/gif,image/jpeg,image/png,image/webp"`
	Size   int64  `json:"size" example:"183204"`
	Width  *int   `json:"width" example:"1600" extensions:"x-nullable"` // null for PDF
	Height *int   `json:"height" example:"900" extensions:"x-nullable"`
	// Editable metadata (PATCH /admin/media/{id}), shown wherever the image appears.
	Alt        string             `json:"alt" example:"Toàn cảnh hội nghị" maxLength:"300"` // empty: no text alternative yet
	Caption    string             `json:"caption" example:"Hội nghị đại biểu toàn quốc" maxLength:"1000"`
	Credit     string             `json:"credit" example:"Ảnh: Minh Anh" maxLength:"200"`
	FocalPoint *models.FocalPoint `json:"focal_point" extensions:"x-nullable"` // null: not set (crop around the centre)
	// An image's resized copies (TOASOAN_IMAGE_WIDTHS, never wider than it), by width then type, for srcset; [] for a PDF.
	Variants []models.ImageVariant `json:"variants"`
	// A data: URI of a 16 px wide WebP of the image (about 150 bytes), to show blurred while it loads; "" for a PDF.
	Placeholder string    `json:"placeholder" example:"data:image/webp;base64,UklGRl4AAABXRUJQVlA4IFIAAABQAQCdASoQAAkAAsBMJbAABYwAAP7d3f47/+8b/+UJv9jb//yef++Kv6JLstfI39OXvteQ30N1Howp+0Srb62OsfiTv+6bYl7fuq//2c9boAAA"`
	UploadedBy  *int64    `json:"uploaded_by" extensions:"x-nullable"` // the uploader's user id; null when the account is gone
	Version     int       `json:"version" example:"1"`                 // send it back in If-Match to change the metadata
	CreatedAt   time.Time `json:"created_at" format:"date-time"`
} // @name MediaItem

type mediaResponse struct {
	Data mediaItem `json:"data"`
} // @name MediaResponse

type mediaListResponse struct {
	Data []mediaItem `json:"data"`
	Meta listMeta    `json:"meta"`
} // @name MediaList

func (s *Server) mediaItemOf(m models.Media) mediaItem {
	item := mediaItem{ID: m.ID, URL: m.URL(s.cfg.MediaURL), Name: m.Name, Mime: m.Mime, Size: m.Size,
		Alt: m.Alt, Caption: m.Caption, Credit: m.Credit, FocalPoint: m.Focal(), UploadedBy: m.UploadedBy, Version: m.Version,
		Variants: models.VariantsOf(m, s.cfg.MediaURL), Placeholder: m.Placeholder, CreatedAt: m.CreatedAt}
	if m.Width > 0 && m.Height > 0 {
		item.Width, item.Height = &m.Width, &m.Height
	}
	return item
}

// uploadMedia godoc
//
//	@ID			uploadMedia
//	@Summary		Upload a file to the media library
//	@Description	Multipart form with one part `file`. The type is sniffed from the content, never taken from the name or the part's Content-Type: JPEG, PNG, WebP, GIF or PDF, anything else is 415. Larger than TOASOAN_MAX_UPLOAD_MB (default 20 MiB) is 413. Images get their width and height, as shown (a JPEG's EXIF orientation applied); one whose header declares more than TOASOAN_MAX_IMAGE_PIXELS pixels (default 40 million) is 422. Each image gets `variants`, made before the answer: at each of TOASOAN_IMAGE_WIDTHS (default 320, 640, 1024, 1600) up to its own width (never upscaled; an image narrower than all of them gets one at its own width), a WebP and a copy in its own format (JPEG, PNG; a GIF's are a PNG and a WebP of its first frame; a WebP's a WebP alone), ordered by width then type, upright, served like the original under its own URL; and `placeholder`, a data: URI of a 16 px wide WebP. At most TOASOAN_IMAGE_WORKERS images are decoded at a time in the server: an upload waits its turn within its deadline (503 past it). An image whose header is readable but whose picture cannot be decoded (damaged, cut off) is 422 naming `file`, and nothing is stored. The stored name keeps the client's base name with the extension of the sniffed type (evil.html holding a PNG is evil.png).
//	@Tags			media
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			file	formData	file	true	"the file"
//	@Success		201		{object}	mediaResponse
//	@Header			201		{string}	ETag	"the version, for If-Match"
//	@Failure		400		{object}	problem	"malformed multipart body"
//	@Failure		401		{object}	problem
//	@Failure		403		{object}	problem
//	@Failure		413		{object}	problem	"over the upload limit"
//	@Failure		415		{object}	problem	"not multipart, or a file type that is not allowed"
//	@Failure		422		{object}	problem	"no file part, an empty file, an image of more pixels than TOASOAN_MAX_IMAGE_PIXELS, or a damaged image"
//	@Failure		503		{object}	problem	"the deadline passed while the upload waited to be processed"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/media [post]
func (s *Server) uploadMedia(c echo.Context) error {
	limit := s.cfg.MaxUploadBytes
	mr, err := multipartReader(c, limit+multipartOverhead, limit)
	if err != nil {
		return err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return models.InvalidField("file", "is required: send the file in a part named file")
		}
		if err != nil {
			return partError(err, limit)
		}
		if part.FormName() != "file" {
			continue // other parts are read past
		}
		// The first file is the upload; anything after it is left unread.
		f, err := s.saveUpload(c, part, limit)
		if err != nil {
			return uploadError(err, "file", limit)
		}
		return s.recordUpload(c, f, media.SafeName(part.FileName(), media.Allowed[f.Mime], "file"))
	}
}

// recordUpload records a stored file in the library; when that fails, the file and its variants
// are removed again.
func (s *Server) recordUpload(c echo.Context, f storedUpload, name string) error {
	m, err := s.store.CreateMedia(c.Request().Context(), actorOf(c), store.MediaInput{Key: f.Key, Name: name, Mime: f.Mime,
		Size: f.Size, Width: f.Width, Height: f.Height, Checksum: f.Checksum, Variants: f.Variants.List, Placeholder: f.Variants.Placeholder})
	if err != nil {
		s.removeFiles(c, f.keys()...)
		return err
	}
	setVersionETag(c, m.Version)
	return c.JSON(http.StatusCreated, mediaResponse{Data: s.mediaItemOf(m)})
}

// removeFiles deletes stored files that no row refers to (an upload whose request failed). It
// runs even when the request was cancelled; a failure leaves an orphan file, which is logged.
func (s *Server) removeFiles(c echo.Context, keys ...string) {
	ctx := context.WithoutCancel(c.Request().Context())
	for _, key := range keys {
		if err := s.media.Delete(ctx, key); err != nil {
			s.log.Warn("orphan media file not deleted", "request_id", requestIDOf(c), "key", key, "error", err.Error())
		}
	}
}

// listMedia godoc
//
//	@ID			listMedia
//	@Summary		List the media library
//	@Description	Newest first. A reader submission's attachments are not in the library; they are shown with their submission.
//	@Tags			media
//	@Produce		json
//	@Param			type		query		string	false	"only images or only PDFs"	Enums(image, pdf)
//	@Param			page		query		int		false	"page, from 1"
//	@Param			per_page	query		int		false	"items per page (default 20, at most 100)"
//	@Success		200			{object}	mediaListResponse
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem
//	@Security		BearerAuth
//	@Router			/api/v1/admin/media [get]
func (s *Server) listMedia(c echo.Context) error {
	q := parseQuery(c, append(paginationParams, "type")...)
	kind := q.OneOf("type", "", slices.Sorted(maps.Keys(store.MediaKinds))...)
	page := q.Page()
	if err := q.Err(); err != nil {
		return err
	}
	items, total, err := s.store.ListMedia(c.Request().Context(), kind, page)
	if err != nil {
		return err
	}
	out := make([]mediaItem, len(items))
	for i, m := range items {
		out[i] = s.mediaItemOf(m)
	}
	return c.JSON(http.StatusOK, mediaListResponse{Data: out, Meta: listMeta{Pagination: models.NewPagination(page, total)}})
}

// getMedia godoc
//
//	@ID			getMedia
//	@Summary	Show a media library item
//	@Tags		media
//	@Produce	json
//	@Param		id	path		int	true	"media id"
//	@Success	200	{object}	mediaResponse
//	@Header		200	{string}	ETag	"the version, for If-Match"
//	@Failure	400	{object}	problem
//	@Failure	401	{object}	problem
//	@Failure	403	{object}	problem
//	@Failure	404	{object}	problem
//	@Security	BearerAuth
//	@Router		/api/v1/admin/media/{id} [get]
func (s *Server) getMedia(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := parseQuery(c).Err(); err != nil {
		return err
	}
	m, err := s.store.MediaByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	setVersionETag(c, m.Version)
	return c.JSON(http.StatusOK, mediaResponse{Data: s.mediaItemOf(m)})
}

// updateMediaRequest changes a media item's metadata: what it leaves out stays as it is.
type updateMediaRequest struct {
	Alt     *string `json:"alt,omitempty" validate:"omitnil,max=300" example:"Toàn cảnh hội nghị"` // the text alternative screen readers and search engines use
	Caption *string `json:"caption,omitempty" validate:"omitnil,max=1000"`
	Credit  *string `json:"credit,omitempty" validate:"omitnil,max=200" example:"Ảnh: Minh Anh"`
	// Where a crop should stay centred, as fractions 0..1 of the width and height; null clears it.
	FocalPoint focalPointPatch `json:"focal_point,omitempty" extensions:"x-nullable"`
} // @name UpdateMediaRequest

// focalPointPatch is a PATCH's focal_point: left out (unchanged), null (cleared) or {x, y}.
type focalPointPatch struct {
	X   *float64 `json:"x" example:"0.5" minimum:"0" maximum:"1"`  // from the left edge
	Y   *float64 `json:"y" example:"0.35" minimum:"0" maximum:"1"` // from the top edge
	set bool
} // @name FocalPointPatch

// UnmarshalJSON is called for null too, so set is true whenever the field is present.
func (f *focalPointPatch) UnmarshalJSON(b []byte) error {
	f.set = true
	if string(b) == "null" {
		f.X, f.Y = nil, nil
		return nil
	}
	var v struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	f.X, f.Y = v.X, v.Y
	return nil
}

// nullable checks the focal point's fractions and gives it as the store takes it.
func (f focalPointPatch) nullable(errs *fieldErrors) models.Nullable[models.FocalPoint] {
	if !f.set {
		return models.Nullable[models.FocalPoint]{}
	}
	if f.X == nil && f.Y == nil {
		return models.Null[models.FocalPoint]()
	}
	fraction := func(field string, v *float64) float64 {
		switch {
		case v == nil:
			errs.add(field, "is required")
			return 0
		case *v < 0 || *v > 1:
			errs.add(field, "must be between 0 and 1")
		}
		return *v
	}
	return models.Value(models.FocalPoint{X: fraction("focal_point.x", f.X), Y: fraction("focal_point.y", f.Y)})
}

// updateMedia godoc
//
//	@ID			updateMedia
//	@Summary		Change a media item's alt text, caption, credit or focal point
//	@Description	Fields left out stay as they are; `focal_point: null` clears the focal point. Limits: alt 300 characters, caption 1000, credit 200; the focal point's x and y are fractions 0..1 of the width and height (422 naming `focal_point.x` or `focal_point.y`). Editors and admins may edit any library item; an author only the media they uploaded (403 otherwise). A reader submission's attachment is not in the library (404). Needs If-Match with the version read (428 without, 412 when stale); bumps the version. Every public response that shows the image (article covers and Open Graph images, announcement and document attachments, author avatars) is purged, so the new alt text shows at once.
//	@Tags			media
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int					true	"media id"
//	@Param			If-Match	header		string				true	"the version read, as its ETag gave it"
//	@Param			body		body		updateMediaRequest	true	"the metadata to change"
//	@Success		200			{object}	mediaResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	problem
//	@Failure		401			{object}	problem
//	@Failure		403			{object}	problem	"an author editing media someone else uploaded"
//	@Failure		404			{object}	problem
//	@Failure		412			{object}	problem	"stale version"
//	@Failure		415			{object}	problem
//	@Failure		422			{object}	problem
//	@Failure		428			{object}	problem	"If-Match missing (the detail names the current version)"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/media/{id} [patch]
func (s *Server) updateMedia(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	// The version is read through the library, so a submission's attachment is 404 here too.
	version, err := ifMatchVersion(c, func(ctx context.Context) (int, error) {
		m, err := s.store.MediaByID(ctx, id)
		return m.Version, err
	})
	if err != nil {
		return err
	}
	var req updateMediaRequest
	bindErr := bindJSON(c, &req)
	var errs fieldErrors
	focal := req.FocalPoint.nullable(&errs)
	if err := errs.merge(bindErr); err != nil {
		return err
	}
	m, err := s.store.UpdateMedia(c.Request().Context(), actorOf(c), id, version,
		store.MediaPatch{Alt: req.Alt, Caption: req.Caption, Credit: req.Credit, Focal: focal})
	if err != nil {
		return err
	}
	setVersionETag(c, m.Version)
	return c.JSON(http.StatusOK, mediaResponse{Data: s.mediaItemOf(m)})
}

// deleteMedia godoc
//
//	@ID			deleteMedia
//	@Summary		Delete a media item and its file
//	@Description	Refused with 409 while any article, announcement, document or submission uses it. The file's variants are deleted with it.
//	@Tags			media
//	@Param			id	path	int	true	"media id"
//	@Success		204
//	@Failure		401	{object}	problem
//	@Failure		403	{object}	problem
//	@Failure		404	{object}	problem
//	@Failure		409	{object}	problem	"still in use"
//	@Security		BearerAuth
//	@Router			/api/v1/admin/media/{id} [delete]
func (s *Server) deleteMedia(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	m, err := s.store.DeleteMedia(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	// The row is gone first: a file without a row is harmless, a row without its file is not.
	s.removeFiles(c, m.FileKeys()...)
	return c.NoContent(http.StatusNoContent)
}

// servedFile is what serveMedia tells of the file it serves: a media item's or a variant's.
type servedFile struct {
	mime, checksum, name string
	size                 int64
}

// serveMedia godoc
//
//	@ID			getMediaFile
//	@Summary		Download a stored file
//	@Description	Served with its stored type, `X-Content-Type-Options: nosniff` and a year of immutable caching; the ETag is the content's SHA-256, so If-None-Match gets 304. Only keys the server made are served. An image's variants (the `variants` of every image object, keyed after it: `{file}` with `-{width}w.webp`, `.jpg` or `.png` for its extension) are served the same way, with their own type and checksum, and kept private with a private original. Query parameters it does not know (utm_source, fbclid, zarsrc) are ignored, so shared links keep working.
//	@Tags			media
//	@Produce		image/jpeg,image/png,image/webp,image/gif,application/pdf
//	@Param			year	path		string	true	"the year of the upload, e.g. 2026"
//	@Param			month	path		string	true	"the month of the upload, two digits, e.g. 11"
//	@Param			file	path		string	true	"the stored file's name, e.g. k3v7q2m4x5a6b7c8d9e2f3g4h5.jpg: the media's url, /media/{year}/{month}/{file}, is its storage key"
//	@Success		200	{file}		binary
//	@Success		304	"not modified"
//	@Header			200,304	{string}	ETag	"the content's SHA-256, for If-None-Match"
//	@Failure		404	{object}	problem
//	@Router			/media/{year}/{month}/{file} [get]
func (s *Server) serveMedia(c echo.Context) error {
	key := c.Param("*")
	if !media.ValidKey(key) {
		return models.NotFound("media")
	}
	ctx := c.Request().Context()
	m, err := s.store.MediaByKey(ctx, key)
	file := servedFile{mime: m.Mime, size: m.Size, checksum: m.Checksum, name: m.Name}
	if originals := media.OriginalKeys(key); models.ErrorCode(err) == models.CodeNotFound && originals != nil {
		var v models.MediaVariant
		m, v, err = s.store.MediaOfVariant(ctx, key, originals)
		file = servedFile{mime: v.Mime, size: v.Size, checksum: v.Checksum, name: media.VariantName(m.Name, v)}
	}
	if err != nil {
		return err
	}
	private, err := s.store.MediaIsPrivate(ctx, m.ID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	etag := `"` + file.checksum + `"`
	h.Set(headerETag, etag)
	h.Set(echo.HeaderCacheControl, mediaCacheControl)
	if private {
		// A reader's attachment may hold personal data: no shared cache keeps it, no index lists it.
		h.Set(echo.HeaderCacheControl, "private, no-store")
		h.Set("X-Robots-Tag", "noindex")
	}
	h.Set(echo.HeaderXContentTypeOptions, "nosniff")
	// Only images and PDFs are ever stored, and nosniff keeps browsers to their type; the policy
	// still forbids anything active and lets only this site and the configured frontends frame them.
	h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors "+s.frameAncestors)
	if etagMatches(c.Request().Header.Get(headerIfNoneMatch), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	rc, err := s.media.Open(ctx, key)
	if errors.Is(err, media.ErrNotExist) {
		s.log.Warn("media file missing from storage", "request_id", requestIDOf(c), "media_id", m.ID)
		return models.NotFound("media")
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	h.Set(echo.HeaderContentType, file.mime)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(file.size, 10))
	disposition := mime.FormatMediaType("inline", map[string]string{"filename": file.name})
	if disposition == "" {
		disposition = "inline"
	}
	h.Set(echo.HeaderContentDisposition, disposition)
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), rc)
	return err
}
