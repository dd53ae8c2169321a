package handlers

import (
	"errors"
	"fmt"
	"time"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// fieldErrors collects the checks a handler makes beyond the validator's tags (times, dates,
// slugs written as strings), so one 422 lists every bad field.
type fieldErrors []models.FieldError

func (f *fieldErrors) add(field, message string) {
	*f = append(*f, models.FieldError{Field: field, Message: message})
}

// time parses an RFC 3339 time with its offset; a bad one is a field error.
func (f *fieldErrors) time(field, value string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		f.add(field, timeFormatMessage)
	} else if problem := timeRangeProblem(t); problem != "" {
		f.add(field, problem)
	}
	// The databases keep microseconds: truncating here keeps both dialects alike.
	return t.Truncate(time.Microsecond)
}

// date parses a YYYY-MM-DD calendar date; a bad one is a field error.
func (f *fieldErrors) date(field, value string) models.Date {
	d, err := models.ParseDate(value)
	if err != nil {
		f.add(field, dateFormatMessage)
	}
	return d
}

// slugMessage is what is wrong with a slug that is not one.
var slugMessage = fmt.Sprintf("must be at most %d lower-case letters and digits joined by single dashes, e.g. mat-tran-dia-phuong", search.MaxSlugLen)

// slug checks a slug an editor chose: the one rule for the slug of every item (search.IsSlug),
// which the slugs toasoan makes obey too.
func (f *fieldErrors) slug(field, value string) string {
	if !search.IsSlug(value) {
		f.add(field, slugMessage)
	}
	return value
}

// merge adds these field errors to what bindJSON returned: to its 422, or as a new 422. A body
// that could not be read (400, 413, 415) is reported as it is.
func (f fieldErrors) merge(bindErr error) error {
	if bindErr != nil {
		var e *models.Error
		if errors.As(bindErr, &e) && e.Code == models.CodeValidation {
			e.Fields = append(e.Fields, f...)
		}
		return bindErr
	}
	if len(f) > 0 {
		return models.Invalid(f...)
	}
	return nil
}

// timePtr is time for a field that may be left out.
func (f *fieldErrors) timePtr(field, value string) *time.Time { return ptr(f.time(field, value)) }

// datePtr is date for a field that may be left out.
func (f *fieldErrors) datePtr(field, value string) *models.Date { return ptr(f.date(field, value)) }

// nullableTime parses a nullable PATCH time: absent and null pass through.
func (f *fieldErrors) nullableTime(field string, v models.Nullable[string]) models.Nullable[time.Time] {
	return parseNullable(v, func(s string) time.Time { return f.time(field, s) })
}

// nullableDate parses a nullable PATCH date: absent and null pass through.
func (f *fieldErrors) nullableDate(field string, v models.Nullable[string]) models.Nullable[models.Date] {
	return parseNullable(v, func(s string) models.Date { return f.date(field, s) })
}

func parseNullable[T any](v models.Nullable[string], parse func(string) T) models.Nullable[T] {
	if v.Value == nil {
		return models.Nullable[T]{Set: v.Set}
	}
	return models.Value(parse(*v.Value))
}

func ptr[T any](v T) *T { return &v }

// positiveID checks an id a client sent, when sent.
func (f *fieldErrors) positiveID(field string, id *int64) {
	if id != nil && *id < 1 {
		f.add(field, "must be a positive id")
	}
}

// password checks a new password against the password rules (auth.CheckPassword).
func (f *fieldErrors) password(field, value string) {
	if problem := auth.CheckPassword(value); problem != "" {
		f.add(field, problem)
	}
}

// authorFirst keeps an author (role) the primary author of what they write: a list of authors
// they send must name them first, or they would lose the article to the first one named.
func (f *fieldErrors) authorFirst(p auth.Principal, ids []int64) {
	if p.Is(models.RoleAuthor) && len(ids) > 0 && ids[0] != p.UserID {
		f.add("author_ids", "must name you first: an author stays the primary author of their articles")
	}
}
