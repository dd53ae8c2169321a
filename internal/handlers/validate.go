package handlers

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
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
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return jsonError(err)
	}
	if string(bytes.TrimSpace(body)) == "null" { // decodes into nothing: not the object every request is
		return models.BadRequest("malformed JSON: the body must be an object")
	}
	body, bad := checkBodyFields(body, reflect.TypeOf(dst))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return models.BadRequest("malformed JSON: more than one value in the body")
	}
	bad = append(bad, makeStorable(reflect.ValueOf(dst), "")...)
	return bad.merge(withoutFields(c.Validate(dst), bad))
}

// readOnlyFields are the fields the API shows of its resources that no request writes (ids,
// versions, timestamps, a status changed by actions, what the server derives). A body that holds
// one is not refused for it: a client may send back what it read, and the field is ignored.
var readOnlyFields = map[string]bool{
	"id": true, "version": true, "created_at": true, "updated_at": true, "status": true,
	"published_at": true, "replied_at": true, "slug_locked": true, "view_count": true, "article_count": true,
	"author": true, "category": true, "cover": true, "attachments": true, "children": true, "related": true,
	"number_parts": true, "tracking_code": true, "url": true, "mime": true, "size": true, "width": true,
	"height": true, "variants": true, "secret_set": true, "assignee": true, "last_status_code": true,
	"last_error": true, "authors": true, "avatar": true,
}

// Messages for values that do not parse, the same for every field of every request.
const (
	timeFormatMessage = "must be an RFC 3339 time such as 2026-08-23T14:00:00+07:00"
	dateFormatMessage = "must be a date YYYY-MM-DD such as 2024-05-10"
)

// checkBodyFields compares a JSON object's keys with the json names of the request type t, once
// for every body: an unknown key is a bad field (422, as an unknown query parameter is 400), a
// read-only one of the resource is dropped, and a time that does not parse is a bad field with
// the format expected, never the decoder's layout string. Keys it reports are removed, so the
// rest of the body is still decoded and validated and one 422 lists every bad field. A body that
// is not an object is returned as it is, for the decoder to report.
func checkBodyFields(body []byte, t reflect.Type) ([]byte, fieldErrors) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return body, nil
	}
	bad := checkObject(obj, t, "")
	if len(bad) == 0 {
		return body, nil
	}
	cleaned, err := json.Marshal(obj)
	if err != nil {
		return body, bad
	}
	return cleaned, bad
}

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[models.Date]()
)

func checkObject(obj map[string]json.RawMessage, t reflect.Type, path string) fieldErrors {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	fields, nullable := jsonFields(t), nullableFields(t)
	var bad fieldErrors
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		name := joinField(path, key)
		ft, known := fields[key]
		if !known {
			if !readOnlyFields[key] {
				bad.add(name, "unknown field")
			}
			delete(obj, key)
			continue
		}
		raw := obj[key]
		if string(raw) == "null" {
			// null only where the field says what it means (x-nullable in the document: "no
			// end", "remove the cover"); elsewhere it would silently read as "left out".
			if !nullable[key] {
				bad.add(name, "must not be null: leave it out to keep its value")
				delete(obj, key)
			}
			continue
		}
		switch valueType(ft) {
		case timeType:
			var t time.Time
			if json.Unmarshal(raw, &t) != nil {
				bad.add(name, timeFormatMessage)
				delete(obj, key)
			}
		case dateType:
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if _, err := models.ParseDate(s); err == nil {
					continue
				}
			}
			bad.add(name, dateFormatMessage)
			delete(obj, key)
		default:
			var inner map[string]json.RawMessage
			if vt := valueType(ft); vt.Kind() == reflect.Struct && json.Unmarshal(raw, &inner) == nil && inner != nil {
				if more := checkObject(inner, vt, name); len(more) > 0 {
					bad = append(bad, more...)
					if b, err := json.Marshal(inner); err == nil {
						obj[key] = b
					}
				}
			}
		}
	}
	return bad
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// valueType is the type a field's JSON value decodes to: without pointers, and the T of a
// models.Nullable[T].
func valueType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Nullable[") && t.NumField() == 2 {
		return valueType(t.Field(1).Type)
	}
	return t
}

// jsonFields maps the json names of a struct's fields (embedded structs flattened) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				maps.Copy(out, jsonFields(ft))
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		out[cmp.Or(name, f.Name)] = f.Type
	}
	return out
}

// nullableFields are the json names of a struct's fields (embedded structs flattened) that take
// null: those tagged x-nullable, as the OpenAPI document shows them.
func nullableFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				maps.Copy(out, nullableFields(ft))
				continue
			}
		}
		if strings.Contains(f.Tag.Get("extensions"), "x-nullable") {
			out[cmp.Or(name, f.Name)] = true
		}
	}
	return out
}

// withoutFields drops from a validation error the fields already reported (a time removed from
// the body for not parsing is not "required" too).
func withoutFields(err error, reported fieldErrors) error {
	var e *models.Error
	if len(reported) == 0 || !errors.As(err, &e) || e.Code != models.CodeValidation {
		return err
	}
	seen := make(map[string]bool, len(reported))
	for _, f := range reported {
		seen[f.Field] = true
	}
	e.Fields = slices.DeleteFunc(e.Fields, func(f models.FieldError) bool { return seen[f.Field] })
	if len(e.Fields) == 0 {
		return nil
	}
	return err
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
