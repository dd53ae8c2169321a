// Package handlers is toasoan's HTTP layer: NewServer wires the middleware, routes.go lists the
// whole API, errors.go holds the one error handler and each resource has its own file.
package handlers

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/semaphore"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/ratelimit"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/webhooks"
)

// Deps are everything the server needs, passed explicitly.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Logger   *slog.Logger
	Registry *prometheus.Registry // nil: a new registry
	// HashParams is the password hashing cost; zero: auth.DefaultHashParams. Tests lower it.
	HashParams auth.HashParams
	// LoginDelay is the wait after the n-th failed login from one network on one account;
	// nil: progressiveDelay. Tests that count failures pass one without waits.
	LoginDelay func(failures int) time.Duration
	// Redis, when set, holds the rate-limit counters so every replica shares them.
	Redis *redis.Client
	Media media.Storage // nil: a directory at Config.MediaDir
}

// Server is the HTTP API.
type Server struct {
	echo     *echo.Echo
	cfg      config.Config
	store    *store.Store
	log      *slog.Logger
	now      func() time.Time
	rules    map[string]auth.Rule // "METHOD /path/:pattern" → who may call it
	metrics  *metrics
	gatherer prometheus.Gatherer

	tokens        *auth.Tokens
	hashParams    auth.HashParams
	dummyHash     string              // verified against when an email is unknown, to equalise timing
	loginFailures ratelimit.Counter   // password checks per account and network, per IP, per account
	hashing       *semaphore.Weighted // KiB of argon2id work running at once
	// failedLoginDelay is the wait after the n-th failure from one network on one account.
	failedLoginDelay func(failures int) time.Duration
	redis            *redis.Client
	cache            *responseCache // public GETs; nil when TOASOAN_CACHE_TTL is 0
	// frameAncestors may frame media: this site and the frontends of TOASOAN_CORS_ORIGINS.
	frameAncestors string

	media              media.Storage
	submissionThrottle ratelimit.Counter // reader submissions per IP
	submissionLimit    int               // submissions allowed per IP within the throttle's window

	views      *viewCounter // article views, buffered and flushed every viewFlushInterval
	dispatcher *webhooks.Dispatcher
}

// NewServer builds the Echo instance with its middleware and every route. It starts nothing:
// the caller runs Workers, and calls FlushViews when it shuts down.
func NewServer(d Deps) (*Server, error) {
	now := d.Store.Now // one clock: the store's, so handlers and queries agree on what "now" is
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
		d.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.LoginDelay == nil {
		d.LoginDelay = progressiveDelay
	}
	if d.HashParams == (auth.HashParams{}) {
		d.HashParams = auth.DefaultHashParams
	}
	if d.Config.JWTSecret == "" {
		// run() always sets one; a server built without (as in some tests) signs with a
		// random secret that dies with the process.
		d.Config.JWTSecret = auth.GeneratePassword() + auth.GeneratePassword()
	}
	dummyHash, err := auth.HashPassword(auth.GeneratePassword(), d.HashParams)
	if err != nil {
		return nil, err // only when the system has no randomness
	}
	if d.Media == nil {
		// run() passes its storage; a server built without (tests) needs MediaDir writable.
		if d.Media, err = media.OpenDir(d.Config.MediaDir); err != nil {
			return nil, err
		}
	}
	m, err := newMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{
		echo:     e,
		cfg:      d.Config,
		store:    d.Store,
		log:      d.Logger,
		now:      now,
		rules:    map[string]auth.Rule{},
		metrics:  m,
		gatherer: d.Registry,

		tokens:           auth.NewTokens(d.Config.JWTSecret, d.Config.JWTPreviousSecret, now),
		hashParams:       d.HashParams,
		dummyHash:        dummyHash,
		hashing:          newHashLimiter(),
		failedLoginDelay: d.LoginDelay,
		redis:            d.Redis,
		media:            d.Media,

		views: newViewCounter(d.Store.AddViews),
		dispatcher: webhooks.New(d.Store, webhooks.Options{
			BaseURL: d.Config.BaseURL, AllowLocal: d.Config.WebhooksAllowLocal, Now: now, Logger: d.Logger,
		}),
	}
	if d.Config.CacheTTL > 0 {
		s.cache = newResponseCache(d.Config.CacheTTL, d.Store.Writes)
	}
	s.frameAncestors = strings.Join(append([]string{"'self'"}, d.Config.CORSOrigins...), " ")
	s.loginFailures = s.newCounter("login", loginWindow)
	s.submissionThrottle = s.newCounter("submissions", submissionWindow)
	s.submissionLimit = cmp.Or(d.Config.SubmissionsPerHour, 5) // 5 is config's default, for servers built without Load
	if sqlDB, err := d.Store.DB().DB(); err == nil {
		if err := d.Registry.Register(collectors.NewDBStatsCollector(sqlDB, "toasoan")); err != nil {
			return nil, err
		}
	}
	e.IPExtractor = clientIPExtractor(d.Config.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = shownTimesJSON{}
	e.Validator = newValidator()

	e.Use(requestID)
	e.Use(s.deadline)
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogLatency: true, LogMethod: true, LogURIPath: true, LogRemoteIP: true,
		LogResponseSize: true, LogUserAgent: true, HandleError: true,
		LogValuesFunc: s.logRequest,
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "request_id", requestIDOf(c), "error", err.Error(), "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "no-referrer",
		HSTSMaxAge:            31536000,
		ContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
		Skipper: func(c echo.Context) bool {
			// The Swagger UI sets its own policy, allowing its scripts and styles; media sets
			// its own, so the sites of TOASOAN_CORS_ORIGINS can frame a PDF.
			return c.Path() == "/swagger/*" || c.Path() == mediaRoute
		},
	}))
	if len(d.Config.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  d.Config.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, headerIfMatch, headerIfNoneMatch, echo.HeaderXRequestID},
			ExposeHeaders: []string{headerETag, echo.HeaderXRequestID, echo.HeaderRetryAfter},
			MaxAge:        600,
		}))
	}
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: "1M",
		Skipper: func(c echo.Context) bool { // uploads enforce TOASOAN_MAX_UPLOAD_MB themselves
			return c.Request().Header.Get(echo.HeaderContentType) != "" &&
				strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm)
		},
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024,
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" || c.Path() == mediaRoute }}))
	e.Use(rejectUnstorableParams)
	e.Use(s.authorize)

	s.routes()
	return s, nil
}

// Workers are the server's background loops: webhook delivery and the periodic view flush.
// The caller runs each in its own goroutine; each returns once ctx is done and the work it
// had under way is finished. They log their own failures and never stop on them.
func (s *Server) Workers() []func(ctx context.Context) {
	return []func(ctx context.Context){
		s.dispatcher.Run,
		func(ctx context.Context) { s.flushViewsEvery(ctx, viewFlushInterval) },
	}
}

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

// newCounter makes a rate-limit counter: in Redis when configured (shared by replicas), in
// memory otherwise.
func (s *Server) newCounter(name string, window time.Duration) ratelimit.Counter {
	if s.redis != nil {
		return ratelimit.NewRedis(s.redis, "toasoan:ratelimit:"+name+":", window, s.now)
	}
	return ratelimit.NewMemory(window, s.now)
}

// ServeHTTP lets the server be used as an http.Handler (and by httptest).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo exposes the router, for tests that walk the registered routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Rules returns the access rule of every registered route, keyed "METHOD /path".
func (s *Server) Rules() map[string]auth.Rule { return s.rules }

// HTTPServer wraps the handler with the timeouts a public server needs.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second, // uploads of TOASOAN_MAX_UPLOAD_MB over slow links
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
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

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

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

const requestIDKey = "request_id"

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

// secretPathRoutes are routes whose path holds a secret (a reader's tracking code, a preview
// token): their requests are logged by route pattern, never by path.
var secretPathRoutes = map[string]bool{
	"/api/v1/submissions/:tracking_code": true,
	"/api/v1/preview/articles/:token":    true,
}

// shownTimesJSON is Echo's JSON serializer with one step before encoding: every time in a
// response is shown one way (models.WithShownTimes), whichever view or model holds it.
type shownTimesJSON struct{ echo.DefaultJSONSerializer }

func (j shownTimesJSON) Serialize(c echo.Context, i any, indent string) error {
	return j.DefaultJSONSerializer.Serialize(c, models.WithShownTimes(i), indent)
}

// HTTP headers Echo has no constants for.
const (
	headerETag        = "ETag"
	headerIfMatch     = "If-Match"
	headerIfNoneMatch = "If-None-Match"
)
