package handlers

// The middleware of every request (server.go puts them in order): client address, deadline,
// request ID, the request log line, unstorable parameters; and publicRead, of the public
// content routes (routes.go).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// clientIPExtractor takes the client from X-Forwarded-For only when the peer is one of the
// configured proxies, and then the rightmost address that is not a proxy: the one the first
// trusted proxy saw. Echo's default trust of every private and link-local peer is off, so a
// client on the newsroom's network cannot pick its own address; X-Real-IP is never read.
func clientIPExtractor(proxies []*net.IPNet) echo.IPExtractor {
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// publicRead lets the store answer the request's reads from a usable replica
// (store.PublicRead): for the public content GETs only, which a reader may see a moment late.
func publicRead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.SetRequest(c.Request().WithContext(store.PublicRead(c.Request().Context())))
		return next(c)
	}
}

// deadline gives every request's context a deadline below the write timeout, so its database
// work (pool waits included) ends in time for the error handler to answer 503 with Retry-After;
// PostgreSQL's statement_timeout, a little longer, stops a statement the driver could not cancel.
func (s *Server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		timeout := s.cfg.RequestTimeout
		if timeout <= 0 {
			timeout = config.DefaultRequestTimeout
		}
		if isMultipart(c) {
			// An upload streams its files while the deadline runs: a reader on a slow link gets
			// as long as the write timeout allows, not the time a query may take.
			timeout = max(timeout, config.MaxRequestTimeout)
		}
		parent := c.Request().Context()
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		err := next(c)
		var domain *models.Error
		var httpErr *echo.HTTPError
		if err == nil || errors.As(err, &domain) || errors.As(err, &httpErr) {
			return err
		}
		// Whatever the driver made of the cancellation (pgx's timeout, PostgreSQL's "canceling
		// statement", SQLite's "interrupted"), say why the request failed: the client went away
		// (499, nobody reads it) or the deadline passed (503).
		switch {
		case parent.Err() != nil:
			return fmt.Errorf("%w: %w", context.Canceled, err)
		case ctx.Err() == context.DeadlineExceeded:
			return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return err
	}
}

// requestID echoes a client's X-Request-ID when it is safe to log, and makes one otherwise.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

func (s *Server) logRequest(c echo.Context, v middleware.RequestLoggerValues) error {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(v.Method, route, v.Status, v.Latency)
	level := slog.LevelInfo
	if v.Status >= 500 {
		level = slog.LevelError
	}
	path := v.URIPath
	if secretPathRoutes[route] {
		path = route
	}
	s.log.LogAttrs(c.Request().Context(), level, "request",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", v.Method),
		slog.String("path", path),
		slog.String("route", route),
		slog.Int("status", v.Status),
		slog.Duration("latency", v.Latency),
		slog.Int64("bytes", v.ResponseSize),
		slog.String("ip", v.RemoteIP),
	)
	return nil
}

// rejectUnstorableParams answers 400 for a path or query parameter that is not valid UTF-8 or
// holds a NUL character: no handler can look such text up (PostgreSQL refuses it outright). The
// media wildcard checks its own keys.
func rejectUnstorableParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var bad []models.FieldError
		check := func(name, value string) {
			if !utf8.ValidString(value) || strings.ContainsRune(value, 0) {
				bad = append(bad, models.FieldError{Field: name, Message: "must be valid UTF-8 text without NUL characters"})
			}
		}
		for i, name := range c.ParamNames() {
			if name != "*" && i < len(c.ParamValues()) {
				check(name, c.ParamValues()[i])
			}
		}
		for name, values := range c.QueryParams() {
			check(name, name)
			for _, v := range values {
				check(name, v)
			}
		}
		if len(bad) > 0 {
			return models.BadRequest("the request has unreadable parameters", bad...)
		}
		return next(c)
	}
}
