package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
)

// publicCacheControl is what API.md asks of every public GET.
const publicCacheControl = "public, max-age=60, stale-while-revalidate=300"

// publicJSON answers a public GET with v as JSON (see publicBody).
func publicJSON(c echo.Context, v any) error {
	// Bodies hold HTML: left unescaped (< not \u003c) they are smaller and still valid JSON.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(models.WithShownTimes(v)); err != nil {
		return err
	}
	return publicBody(c, echo.MIMEApplicationJSON, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// publicBody answers a public GET with an encoded body: its hash is the strong ETag, and a
// matching If-None-Match gets 304 without a body. Vary covers gzip. When the route is cached,
// the response is kept, with its content type, for the next readers.
func publicBody(c echo.Context, contentType string, body []byte) error {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	if fill, ok := c.Get(cacheFillKey).(*cacheFill); ok {
		fill.cache.put(fill.key, fill.seen, cachedResponse{contentType: contentType, body: body, etag: etag, stored: fill.at, onHit: fill.onHit})
	}
	return writePublic(c, contentType, body, etag)
}

// writePublic sends a public body with its ETag and caching headers, or 304 when the client
// already has it.
func writePublic(c echo.Context, contentType string, body []byte, etag string) error {
	h := c.Response().Header()
	h.Set(headerETag, etag)
	h.Set(echo.HeaderCacheControl, publicCacheControl)
	if !slices.Contains(h.Values(echo.HeaderVary), echo.HeaderAcceptEncoding) { // the gzip middleware adds it, except where it is skipped
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	}
	if etagMatches(c.Request().Header.Get(headerIfNoneMatch), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, contentType, body)
}

// etagMatches implements If-None-Match's weak comparison over a list of tags, or "*".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

// versionETag is the ETag of an editable item: its version, quoted.
func versionETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// setVersionETag sends the item's version as its ETag, for the next If-Match.
func setVersionETag(c echo.Context, version int) {
	c.Response().Header().Set(headerETag, versionETag(version))
}

// ifMatchVersion reads If-Match: "<version>" (a weak W/ prefix and missing quotes tolerated).
// Without the header the change is refused with 428, so no client overwrites blindly; the 428
// names the item's version, which current reads with the caller's access (an item the caller
// may not see stays a 404).
func ifMatchVersion(c echo.Context, current func(ctx context.Context) (int, error)) (int, error) {
	raw := strings.TrimSpace(c.Request().Header.Get(headerIfMatch))
	if raw == "" {
		v, err := current(c.Request().Context())
		if err != nil {
			return 0, err
		}
		return 0, models.PreconditionRequired(v)
	}
	v := strings.Trim(strings.TrimPrefix(raw, "W/"), `"`)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, models.BadRequest(`If-Match must be the item's version in quotes, e.g. "3"`,
			models.FieldError{Field: "If-Match", Message: "must be a quoted version number"})
	}
	return n, nil
}
