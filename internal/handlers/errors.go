package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// problem is an RFC 9457 problem document, with toasoan's stable code and the bad fields.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Code      string              `json:"code" enums:"bad_request,validation_failed,not_found,method_not_allowed,unauthorized,forbidden,conflict,version_mismatch,precondition_required,rate_limited,busy,payload_too_large,unsupported_media_type,internal,unavailable,resync_required"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []models.FieldError `json:"errors,omitempty"`
} // @name Problem

var statusOfCode = map[string]int{
	models.CodeBadRequest:           http.StatusBadRequest,
	models.CodeValidation:           http.StatusUnprocessableEntity,
	models.CodeNotFound:             http.StatusNotFound,
	models.CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	models.CodeUnauthorized:         http.StatusUnauthorized,
	models.CodeForbidden:            http.StatusForbidden,
	models.CodeConflict:             http.StatusConflict,
	models.CodeVersionMismatch:      http.StatusPreconditionFailed,
	models.CodePreconditionRequired: http.StatusPreconditionRequired,
	models.CodeRateLimited:          http.StatusTooManyRequests,
	models.CodeBusy:                 http.StatusServiceUnavailable,
	models.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	models.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	models.CodeInternal:             http.StatusInternalServerError,
	models.CodeUnavailable:          http.StatusServiceUnavailable,
	models.CodeResyncRequired:       http.StatusGone,
}

// unavailableRetryAfter is what a 503 asks the client to wait: a stalled or restarting database
// usually answers again within seconds.
const unavailableRetryAfter = 5 * time.Second

var codeOfStatus = map[int]string{}

func init() {
	for code, status := range statusOfCode {
		codeOfStatus[status] = code
	}
	// Two codes share 503 (busy: too many password checks; unavailable: the database); an
	// Echo 503 of its own is the general one.
	codeOfStatus[http.StatusServiceUnavailable] = models.CodeUnavailable
}

// handleError is the one place where errors become responses. Domain errors keep their code and
// message; Echo's own errors (404, 405, 413, bad bodies) get the code of their status; anything
// else is an internal error, logged with the request ID and never shown to the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problem{Type: "about:blank", RequestID: requestIDOf(c)}
	var domain *models.Error
	var httpErr *echo.HTTPError
	switch {
	case errors.As(err, &domain):
		p.Status = statusOfCode[domain.Code]
		p.Code, p.Detail, p.Errors = domain.Code, domain.Message, domain.Fields
		if domain.RetryAfter > 0 {
			secs := int(domain.RetryAfter.Seconds() + 0.999)
			c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
		}
	case errors.As(err, &httpErr):
		p.Status = httpErr.Code
		p.Code = codeOfStatus[httpErr.Code]
		if p.Status < 500 {
			p.Detail = echoErrorDetail(httpErr)
		}
		if p.Status >= 500 {
			s.logInternal(c, err)
		}
	case errors.Is(err, context.Canceled) && c.Request().Context().Err() == context.Canceled:
		// The client went away; nobody reads this response.
		p.Status, p.Code = 499, models.CodeBadRequest
	case store.IsUnavailable(err):
		// The request's deadline passed or the database is down: the client may retry, and the
		// operator sees it in the log (a warning, not an internal error: no bug to fix here).
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "database unavailable",
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Bool("deadline", errors.Is(err, context.DeadlineExceeded)),
			slog.String("error", err.Error()),
		)
		p.Status, p.Code = http.StatusServiceUnavailable, models.CodeUnavailable
		p.Detail = "the service cannot answer right now; try again shortly"
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(int(unavailableRetryAfter.Seconds())))
	default:
		s.logInternal(c, err)
		p.Status, p.Code = http.StatusInternalServerError, models.CodeInternal
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Code == "" {
		p.Code = models.CodeInternal
		if p.Status < 500 {
			p.Code = models.CodeBadRequest
		}
	}
	if p.Status == http.StatusInternalServerError {
		p.Detail = "an internal error occurred; quote the request_id when reporting it"
	}
	p.Title = http.StatusText(p.Status)
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}

	h := c.Response().Header()
	h.Del(headerETag)
	h.Del(echo.HeaderLastModified)
	h.Set(echo.HeaderCacheControl, "no-store")
	if p.Status == http.StatusMethodNotAllowed && h.Get(echo.HeaderAllow) == "" {
		if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok {
			h.Set(echo.HeaderAllow, allow)
		}
	}
	h.Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	if err := c.Echo().JSONSerializer.Serialize(c, p, ""); err != nil {
		s.log.Error("write error response", "request_id", p.RequestID, "error", err.Error())
	}
}

// echoErrorDetail turns Echo's error message into a client-facing sentence.
func echoErrorDetail(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "no such resource"
	case http.StatusMethodNotAllowed:
		return "this resource does not support that method"
	case http.StatusRequestEntityTooLarge:
		return "the request body is too large"
	}
	if msg, ok := he.Message.(string); ok {
		return msg
	}
	return fmt.Sprint(he.Message)
}

func (s *Server) logInternal(c echo.Context, err error) {
	s.log.LogAttrs(c.Request().Context(), slog.LevelError, "internal error",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", c.Request().Method),
		slog.String("route", c.Path()),
		slog.String("error", err.Error()),
	)
}
