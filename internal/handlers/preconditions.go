package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
)

// publicCacheControl is what API.md asks of every public GET.
const publicCacheControl = "public, max-age=60, stale-while-revalidate=300"

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

// versionOf reads the current version of an item, for ifMatchVersion's 428.
func (s *Server) versionOf(what string, id int64) func(ctx context.Context) (int, error) {
	return func(ctx context.Context) (int, error) { return s.store.CurrentVersion(ctx, what, id) }
}
