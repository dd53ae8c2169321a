// Package handlers is toasoan's HTTP layer: NewServer wires the middleware, routes.go lists the
// whole API, errors.go holds the one error handler and each resource has its own file.
package handlers

import (
	"cmp"
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/semaphore"

	"github.com/toasoan/toasoan/internal/auth"
	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/mail"
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
	// Images makes the variants of uploaded images; nil: one of Config's widths and workers.
	// The process should have one, so that its decode slots bound the whole process.
	Images *media.Imager
	// SMTPTLS verifies the certificate of TOASOAN_SMTP_URL's server; nil: the system's roots.
	// Tests pass the roots of their own server.
	SMTPTLS *tls.Config
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
	images             *media.Imager
	submissionThrottle ratelimit.Counter // reader submissions per IP
	submissionLimit    int               // submissions allowed per IP within the throttle's window

	views        *viewCounter      // article views, buffered and flushed every viewFlushInterval
	recentViews  *recentViews      // which client read which article lately: one view each
	viewThrottle ratelimit.Counter // view beacons per IP
	viewRefresh  time.Duration     // how often readers' view counts catch up
	dispatcher   *webhooks.Dispatcher
	mailer       *mail.Worker // sends the mails to readers (replies to their submissions)
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
	if d.Images == nil {
		d.Images = media.NewImager(d.Config.ImageWidths, d.Config.ImageWorkers, d.Config.MaxImagePixels)
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
		images:           d.Images,

		views:       newViewCounter(d.Store.AddViews),
		recentViews: newRecentViews(),
		viewRefresh: cmp.Or(d.Config.ViewCountRefresh, 5*time.Minute), // config's default, for servers built without Load
		dispatcher: webhooks.New(d.Store, webhooks.Options{
			PublicURL: d.Config.PublicURL, SiteURL: d.Config.SiteURL, AllowLocal: d.Config.WebhooksAllowLocal, Now: now, Logger: d.Logger,
		}),
	}
	if s.mailer, err = mail.New(d.Store, mail.Options{SMTP: d.Config.SMTP, TLSConfig: d.SMTPTLS, Now: now, Logger: d.Logger, Registerer: d.Registry}); err != nil {
		return nil, err
	}
	d.Store.SetTrackingURL(func(code string) string { return trackingURL(d.Config, code) })
	if d.Config.CacheTTL > 0 {
		maxBytes := cmp.Or(d.Config.CacheMaxBytes, 64<<20) // config's default, for servers built without Load
		if s.cache, err = newResponseCache(d.Config.CacheTTL, maxBytes, d.Registry, d.Store.NextScheduledChange); err != nil {
			return nil, err
		}
		d.Store.OnPurge(s.cache.purge)
	}
	s.frameAncestors = strings.Join(append([]string{"'self'"}, d.Config.CORSOrigins...), " ")
	s.loginFailures = s.newCounter("login", loginWindow)
	s.submissionThrottle = s.newCounter("submissions", submissionWindow)
	s.viewThrottle = s.newCounter("views", viewBeaconWindow)
	s.submissionLimit = cmp.Or(d.Config.SubmissionsPerHour, 5) // 5 is config's default, for servers built without Load
	if sqlDB, err := d.Store.DB().DB(); err == nil {
		if err := d.Registry.Register(collectors.NewDBStatsCollector(sqlDB, "toasoan")); err != nil {
			return nil, err
		}
	}
	if err := d.Registry.Register(newScheduleCollector(d.Store, d.Store.Now)); err != nil {
		return nil, err
	}
	if c := d.Store.ReplicaMetrics(); c != nil {
		if err := d.Registry.Register(c); err != nil {
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

// Workers are the server's background loops: webhook delivery, the scheduler, mail to readers, the periodic view flush, the
// refresh of the view counts readers see, and the listener of other processes' purges.
// The caller runs each in its own goroutine; each returns once ctx is done and the work it
// had under way is finished. They log their own failures and never stop on them.
func (s *Server) Workers() []func(ctx context.Context) {
	return []func(ctx context.Context){
		s.dispatcher.Run,
		s.runSchedule,
		s.mailer.Run,
		func(ctx context.Context) { s.flushViewsEvery(ctx, viewFlushInterval) },
		func(ctx context.Context) { s.refreshShownViewsEvery(ctx, s.viewRefresh) },
		func(ctx context.Context) { s.emptyTrashEvery(ctx, trashSweepInterval) },
		func(ctx context.Context) { s.pruneSyncEvery(ctx, trashSweepInterval) },
		func(ctx context.Context) { s.rebuildVocabularyEvery(ctx, store.VocabularyRebuildInterval) },
		s.listenPurges,
		s.store.WatchReplicas,
	}
}

// listenPurges applies the purges of the other processes on the same PostgreSQL database to
// this one's response cache (see store.ListenPurges), until ctx is done.
func (s *Server) listenPurges(ctx context.Context) {
	if s.cfg.DatabaseURL == "" {
		return // SQLite: this process owns the database
	}
	_ = s.store.ListenPurges(ctx, s.cfg.DatabaseURL, s.log, nil)
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

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

const requestIDKey = "request_id"

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
	headerETag         = "ETag"
	headerIfMatch      = "If-Match"
	headerIfNoneMatch  = "If-None-Match"
	headerSurrogateKey = "Surrogate-Key" // Fastly, Varnish (xkey)
	headerCacheTag     = "Cache-Tag"     // Cloudflare
)
