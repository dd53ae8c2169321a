package handlers

// How handlers answer: list metadata, private and public (cacheable) bodies, version ETags.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/surrogate"
)

// listMeta is the meta of a paged list.
type listMeta struct {
	Pagination models.Pagination `json:"pagination"`
} // @name ListMeta

// noStore marks a response as private and never cached.
func noStore(c echo.Context) {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
}

// publicJSON answers a public GET with v as JSON (see publicBody).
func publicJSON(c echo.Context, v any) error {
	return publicJSONAs(c, echo.MIMEApplicationJSON, v)
}

// publicJSONAs is publicJSON with another JSON media type.
func publicJSONAs(c echo.Context, contentType string, v any) error {
	// Bodies hold HTML: left unescaped (< not \u003c) they are smaller and still valid JSON.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(models.WithShownTimes(v)); err != nil {
		return err
	}
	return publicBody(c, contentType, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// publicBody answers a public GET with an encoded body: its hash is the strong ETag, and a
// matching If-None-Match gets 304 without a body. Vary covers gzip. When the route is cached,
// the response is kept, with its content type, for the next readers.
func publicBody(c echo.Context, contentType string, body []byte) error {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	keys := responseKeys(c)
	if fill, ok := c.Get(cacheFillKey).(*cacheFill); ok {
		fill.fill(c.Request().Context(), contentType, body, etag, keys)
	}
	return writePublic(c, contentType, body, etag, keys)
}

// writePublic sends a public body with its ETag, its surrogate keys (Surrogate-Key for Fastly
// and Varnish, Cache-Tag for Cloudflare) and caching headers, or 304 when the client already
// has it.
func writePublic(c echo.Context, contentType string, body []byte, etag string, keys []string) error {
	h := c.Response().Header()
	h.Set(headerETag, etag)
	h.Set(echo.HeaderCacheControl, publicCacheControl)
	if len(keys) > 0 {
		h.Set(headerSurrogateKey, surrogate.Header(keys))
		h.Set(headerCacheTag, surrogate.CacheTag(keys))
	}
	if !slices.Contains(h.Values(echo.HeaderVary), echo.HeaderAcceptEncoding) { // the gzip middleware adds it, except where it is skipped
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	}
	if etagMatches(c.Request().Header.Get(headerIfNoneMatch), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, contentType, body)
}

// versionETag is the ETag of an editable item: its version, quoted.
func versionETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// setVersionETag sends the item's version as its ETag, for the next If-Match.
func setVersionETag(c echo.Context, version int) {
	c.Response().Header().Set(headerETag, versionETag(version))
}
