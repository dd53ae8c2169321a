package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
)

// queryParams reads a request's query string strictly: an unknown parameter, a repeated one or
// a bad value is collected and reported as one 400 naming each parameter.
type queryParams struct {
	values url.Values
	errs   []models.FieldError
}

// paginationParams are accepted by every paged list.
var paginationParams = []string{"page", "per_page"}

func parseQuery(c echo.Context, allowed ...string) *queryParams {
	return readQuery(c, false, allowed)
}

// parseReaderQuery is parseQuery for the URLs readers share and follow (feeds, sitemap, media,
// the preview page): links shared on Zalo or Facebook come back with tracking parameters
// (utm_source, fbclid, zarsrc, …), so a parameter it does not know is ignored rather than
// refused. The parameters it knows are checked as everywhere.
func parseReaderQuery(c echo.Context, allowed ...string) *queryParams {
	return readQuery(c, true, allowed)
}

func readQuery(c echo.Context, ignoreUnknown bool, allowed []string) *queryParams {
	q := &queryParams{values: c.QueryParams()}
	known := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		known[a] = true
	}
	for name, vals := range q.values {
		switch {
		case !known[name]:
			if !ignoreUnknown {
				q.fail(name, "unknown parameter")
			}
		case len(vals) > 1:
			q.fail(name, "given more than once")
		}
	}
	return q
}

func (q *queryParams) fail(name, message string) {
	q.errs = append(q.errs, models.FieldError{Field: name, Message: message})
}

// Err is the 400 for every bad parameter, or nil.
func (q *queryParams) Err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return models.BadRequest("the query has invalid parameters", q.errs...)
}

// String is the trimmed value of a parameter, "" when absent.
func (q *queryParams) String(name string) string { return strings.TrimSpace(q.values.Get(name)) }

// Int parses a whole number in [lo, hi]; def when absent.
func (q *queryParams) Int(name string, def, lo, hi int) int {
	v := q.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		q.fail(name, "must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return def
	}
	return n
}

// ID parses an optional positive id; 0 when absent.
func (q *queryParams) ID(name string) int64 {
	v := q.String(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.fail(name, "must be a positive whole number")
		return 0
	}
	return n
}

// Bool parses true/false (also 1/0); nil when absent.
func (q *queryParams) Bool(name string) *bool {
	v := q.String(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fail(name, "must be true or false")
		return nil
	}
	return &b
}

// Date parses YYYY-MM-DD as the start of that day in loc; nil when absent.
func (q *queryParams) Date(name string, loc *time.Location) *time.Time {
	v := q.String(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		q.fail(name, "must be a date YYYY-MM-DD")
		return nil
	}
	return &d
}

// Time parses an RFC 3339 date-time (2026-12-01T08:00:00Z, 2026-12-01T15:00:00+07:00); nil
// when absent.
func (q *queryParams) Time(name string) *time.Time {
	v := q.String(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.fail(name, "must be a date-time in RFC 3339, such as 2026-12-01T08:00:00Z")
		return nil
	}
	t = t.UTC()
	return &t
}

// OneOf returns the value when it is one of options, def when absent.
func (q *queryParams) OneOf(name, def string, options ...string) string {
	v := q.String(name)
	if v == "" {
		return def
	}
	for _, o := range options {
		if v == o {
			return v
		}
	}
	q.fail(name, "must be one of: "+strings.Join(options, ", "))
	return def
}

// Page reads page and per_page (default 20, at most 100).
func (q *queryParams) Page() models.Page {
	return models.Page{
		Page:    q.Int("page", 1, 1, 1_000_000),
		PerPage: q.Int("per_page", 20, 1, 100),
	}
}
