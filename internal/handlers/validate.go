package handlers

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
)

// structValidator is the one validator of the server, registered as e.Validator. It reports
// every bad field by its JSON name.
type structValidator struct{ v *validator.Validate }

func newValidator() *structValidator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("form"), ",")
		}
		return name
	})
	v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	})
	return &structValidator{v: v}
}

// Validate returns a validation_failed domain error listing every bad field.
func (sv *structValidator) Validate(i any) error {
	err := sv.v.Struct(i)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make([]models.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, models.FieldError{Field: fieldPath(fe), Message: fieldMessage(fe)})
	}
	return models.Invalid(fields...)
}

// fieldPath drops the struct name: "createArticleRequest.tags[0]" → "tags[0]".
func fieldPath(fe validator.FieldError) string {
	_, path, ok := strings.Cut(fe.Namespace(), ".")
	if !ok {
		return fe.Field()
	}
	return path
}

func fieldMessage(fe validator.FieldError) string {
	unit := ""
	if k := fe.Kind(); k == reflect.String {
		unit = " characters"
	} else if k == reflect.Slice || k == reflect.Array || k == reflect.Map {
		unit = " items"
	}
	switch fe.Tag() {
	case "required", "notblank":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "min":
		return fmt.Sprintf("must be at least %s%s", fe.Param(), unit)
	case "max":
		return fmt.Sprintf("must be at most %s%s", fe.Param(), unit)
	case "len":
		return fmt.Sprintf("must be exactly %s%s", fe.Param(), unit)
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "url", "http_url":
		return "must be an absolute http(s) URL"
	case "gt", "gte":
		return "must be at least " + fe.Param()
	case "lt", "lte":
		return "must be at most " + fe.Param()
	}
	return "is invalid (" + fe.Tag() + ")"
}

// bindJSON decodes a JSON request body into dst and validates it. A body that is not JSON is
// 415, malformed JSON 400 (naming the field when its type is wrong), invalid fields 422.
func bindJSON(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return &models.Error{Code: models.CodeUnsupportedMediaType, Message: "send the body as application/json"}
		}
	}
	dec := json.NewDecoder(req.Body)
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return models.BadRequest("malformed JSON: more than one value in the body")
	}
	unsafe := makeStorable(reflect.ValueOf(dst), "")
	return fieldErrors(unsafe).merge(c.Validate(dst))
}

// makeStorable fixes or lists the decoded values no database can take whatever the field, once
// for every body, so they never become a 500: a NUL character in text (PostgreSQL refuses it)
// is replaced by U+FFFD, as cleanText does, so a reader's message is never lost to a stray byte;
// a time outside the years 1–9999 (JSON cannot show it) is listed as a bad field.
func makeStorable(v reflect.Value, path string) []models.FieldError {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return makeStorable(v.Elem(), path)
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			if !v.CanSet() {
				return []models.FieldError{{Field: path, Message: "must not contain NUL characters"}}
			}
			v.SetString(strings.ReplaceAll(v.String(), "\x00", "\uFFFD"))
		}
	case reflect.Slice, reflect.Array:
		var out []models.FieldError
		for i := 0; i < v.Len(); i++ {
			out = append(out, makeStorable(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Map:
		var out []models.FieldError
		for _, k := range v.MapKeys() {
			out = append(out, makeStorable(v.MapIndex(k), joinField(path, fmt.Sprint(k.Interface())))...)
		}
		return out
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			if problem := timeRangeProblem(t); problem != "" {
				return []models.FieldError{{Field: path, Message: problem}}
			}
			return nil
		}
		// A type that decodes itself (a nullable field) stands for its JSON field as a whole.
		whole := false
		if v.CanAddr() {
			_, whole = v.Addr().Interface().(json.Unmarshaler)
		}
		var out []models.FieldError
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			field := path
			if !whole && !f.Anonymous {
				field = joinField(path, cmp.Or(name, f.Name))
			}
			out = append(out, makeStorable(v.Field(i), field)...)
		}
		return out
	}
	return nil
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// timeRangeProblem says why a client's time cannot be kept and shown, or "".
func timeRangeProblem(t time.Time) string {
	if y := t.In(models.NewsroomZone).Year(); y < 1 || y > 9999 {
		return "must be a time between the years 1 and 9999"
	}
	return ""
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var maxErr *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return models.BadRequest("the request body is empty; send a JSON object")
	case errors.As(err, &maxErr):
		return &models.Error{Code: models.CodePayloadTooLarge, Message: "the request body is too large"}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return models.BadRequest("malformed JSON", models.FieldError{Field: field, Message: "must be a " + jsonKind(typeErr.Type)})
	case errors.As(err, &syntaxErr):
		return models.BadRequest(fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return models.BadRequest("malformed JSON: the body ends too early")
	}
	var he *echo.HTTPError
	if errors.As(err, &he) { // the body limit middleware
		return he
	}
	return models.BadRequest("malformed JSON: " + err.Error())
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	if t.String() == "time.Time" {
		return "RFC 3339 time"
	}
	return "object"
}
