// Package models holds toasoan's GORM structs and domain types, including the domain error that
// stores and handlers return and the one HTTP error handler maps to a status.
package models

import (
	"errors"
	"fmt"
	"time"
)

// Stable error codes of the API (see API.md). The HTTP error handler maps each to a status.
const (
	CodeBadRequest           = "bad_request"
	CodeValidation           = "validation_failed"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeConflict             = "conflict"
	CodeVersionMismatch      = "version_mismatch"
	CodePreconditionRequired = "precondition_required"
	CodeRateLimited          = "rate_limited"
	CodeBusy                 = "busy"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeInternal             = "internal"
	CodeUnavailable          = "unavailable"
	CodeResyncRequired       = "resync_required" // a sync token too old to serve: sync again from the start
)

// ErrorCodes lists every code a problem document may carry.
var ErrorCodes = []string{
	CodeBadRequest, CodeValidation, CodeNotFound, CodeMethodNotAllowed, CodeUnauthorized, CodeForbidden,
	CodeConflict, CodeVersionMismatch, CodePreconditionRequired, CodeRateLimited, CodeBusy,
	CodePayloadTooLarge, CodeUnsupportedMediaType, CodeInternal, CodeUnavailable, CodeResyncRequired,
}

// FieldError names one bad field (or query parameter) and why it is bad.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
} // @name FieldError

// Error is a domain error: a stable code, a message safe to show to the client, the bad fields
// if any, and for rate limits how long to wait.
type Error struct {
	Code       string
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// ErrorCode returns the code of a domain error, or "" when err is not one.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ResyncRequired says a sync token can no longer be served: the client syncs again from nothing.
func ResyncRequired(message string) *Error {
	return &Error{Code: CodeResyncRequired, Message: message}
}

// NotFound says the named thing does not exist, or that the caller may not see it.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Conflict says the request clashes with the current state (a slug taken, a category not empty).
func Conflict(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// Forbidden says the caller is known but may not do this.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized says the caller is not (or no longer) authenticated.
func Unauthorized(message string) *Error {
	return &Error{Code: CodeUnauthorized, Message: message}
}

// BadRequest says the request itself is malformed; fields name the bad parameters.
func BadRequest(message string, fields ...FieldError) *Error {
	return &Error{Code: CodeBadRequest, Message: message, Fields: fields}
}

// Invalid says one or more fields of a well-formed request are invalid.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeValidation, Message: "the request has invalid fields", Fields: fields}
}

// InvalidField is Invalid for a single field.
func InvalidField(field, message string) *Error {
	return Invalid(FieldError{Field: field, Message: message})
}

// VersionMismatch says the If-Match version is not the current one: someone else changed it.
func VersionMismatch(current int) *Error {
	return &Error{Code: CodeVersionMismatch, Message: fmt.Sprintf("the item was changed by someone else; the current version is %d", current)}
}

// PreconditionRequired says an If-Match header with the item's current version is needed to
// change it.
func PreconditionRequired(current int) *Error {
	return &Error{Code: CodePreconditionRequired, Message: fmt.Sprintf(`this change needs an If-Match header with the version you read; the current version is %d: send If-Match: "%d"`, current, current)}
}

// Unavailable says the server cannot answer now (the database is down, stalled or busy past the
// request's deadline); the client may try again after retryAfter.
func Unavailable(message string, retryAfter time.Duration) *Error {
	return &Error{Code: CodeUnavailable, Message: message, RetryAfter: retryAfter}
}

// Busy says the server has no capacity for this work now (password hashing is bounded).
func Busy(retryAfter time.Duration) *Error {
	return &Error{Code: CodeBusy, Message: "the server is busy; try again shortly", RetryAfter: retryAfter}
}

// RateLimited says to come back after the given time.
func RateLimited(retryAfter time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Message: "too many requests; try again later", RetryAfter: retryAfter}
}
