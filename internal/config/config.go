// Package config reads toasoan's configuration from the environment. It has no package-level
// state: Load takes the getenv function so tests and main pass their own.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/toasoan/toasoan/internal/htmlsafe"
	"github.com/toasoan/toasoan/internal/media"
)

// Env lists every environment variable toasoan reads, with its meaning. The deployment tests
// check that manifests only use names from this list.
var Env = map[string]string{
	"TOASOAN_ADDR":                     "listen address (default :8080)",
	"TOASOAN_DATABASE_URL":             "postgres://… for PostgreSQL; unset: embedded SQLite in the data dir",
	"TOASOAN_DATA_DIR":                 "directory for the embedded database and generated secrets (default ./data)",
	"TOASOAN_JWT_SECRET":               "HS256 signing secret, at least 32 bytes; unset: generated once and kept in the data dir",
	"TOASOAN_JWT_PREVIOUS_SECRET":      "the previous secret, still accepted for verification during a key rotation",
	"TOASOAN_ADMIN_EMAIL":              "email of the first admin, created when no user exists",
	"TOASOAN_ADMIN_PASSWORD":           "password of the first admin (unset: generated and printed once)",
	"TOASOAN_CORS_ORIGINS":             "comma-separated origins allowed by CORS (unset: no cross-origin access)",
	"TOASOAN_SITE_URL":                 "the public site's URL, for links to its pages: in feeds, the sitemap and webhook payloads' data.page_url (default TOASOAN_BASE_URL)",
	"TOASOAN_PUBLIC_URL":               "this API's public URL, for its own links: feeds' atom:self, webhook payloads' data.url, the media and preview defaults (default TOASOAN_BASE_URL)",
	"TOASOAN_MEDIA_URL":                "where media files are read from, a CDN or bucket URL: a file's URL is it + / + its key (default TOASOAN_PUBLIC_URL + /media)",
	"TOASOAN_PREVIEW_URL":              "the frontend's preview page, with {token} in it, such as https://tin.example.vn/preview/{token} (default TOASOAN_PUBLIC_URL + /api/v1/preview/articles/{token})",
	"TOASOAN_BASE_URL":                 "the older single URL, still accepted: it stands for TOASOAN_SITE_URL and TOASOAN_PUBLIC_URL where they are unset (default this process on TOASOAN_ADDR's port: http://localhost:8080)",
	"TOASOAN_MEDIA_DIR":                "directory for uploaded media (default <data dir>/media)",
	"TOASOAN_MEDIA_BUCKET_URL":         "S3-compatible bucket URL for media when running several replicas",
	"TOASOAN_MAX_UPLOAD_MB":            "largest accepted upload in MiB (default 20)",
	"TOASOAN_DATABASE_REPLICA_URLS":    "comma-separated URLs of PostgreSQL streaming replicas of TOASOAN_DATABASE_URL: the public content GETs read from a usable one, everything else (writes, editorial and admin reads, auth, workers) from the primary",
	"TOASOAN_DATABASE_REPLICA_MAX_LAG": "how far behind the primary a replica may be and still be read, a Go duration (default 5s, at least 100ms); one down, lagging more, or that has not replayed the latest write purged is skipped",
	"TOASOAN_REDIS_URL":                "redis://… for rate limits shared between replicas",
	"TOASOAN_REFRESH_TTL":              "lifetime of refresh sessions, a Go duration (default 720h)",
	"TOASOAN_LOG_FORMAT":               "json (default) or text",
	"TOASOAN_LOG_LEVEL":                "debug, info (default), warn or error",
	"TOASOAN_SHUTDOWN_TIMEOUT":         "how long shutting down may take: in-flight requests, the last view counts and webhook deliveries under way finish within it (default 15s)",
	"TOASOAN_DATABASE_WAIT":            "how long to wait at start for a database that does not answer yet (default 30s)",
	"TOASOAN_CACHE_TTL":                "how long at most a public GET's response is reused by this process, a Go duration (default 5m, at most 1h; 0 turns the cache off). Writes purge what they change at once, on every process; this bounds only what a missed purge could leave",
	"TOASOAN_CACHE_MAX_MB":             "memory the response cache may hold, in MiB (default 64); the least recently used responses go first",
	"TOASOAN_VIEW_COUNT_REFRESH":       "how often the view_count readers see, and the most-read lists, catch up with the views counted, a Go duration (default 5m, at least 1s)",
	"TOASOAN_SYNC_RETENTION":           "how long the sync feed (GET /api/v1/sync) keeps tombstones, so an app's token stays good: days (90d, or 90) or a Go duration, from 1h to 3650d (default 90d); an older token is 410 resync_required",
	"TOASOAN_TRASH_RETENTION":          "how long an article, announcement or document stays in the trash before it is deleted for good: days (30d, or 30) or a Go duration (720h), from 1h to 3650d (default 30d)",
	"TOASOAN_SUBMISSIONS_PER_HOUR":     "reader submissions accepted per IP an hour (default 5; refused ones do not count)",
	"TOASOAN_REQUEST_TIMEOUT":          "deadline of each request's database work, a Go duration (default 10s, at most 50s: below the 60s write timeout)",
	"TOASOAN_WEBHOOKS_ALLOW_LOCAL":     "1 lets webhooks call localhost and 127.0.0.1 (development only; default 0: public hosts only)",
	"TOASOAN_TRUSTED_PROXIES":          "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (default 127.0.0.0/8,::1/128)",
	"TOASOAN_EMBED_PROVIDERS":          "comma-separated host/path prefixes whose iframes article and announcement bodies keep, sandboxed (default www.youtube.com/embed/,www.youtube-nocookie.com/embed/,www.facebook.com/plugins/video.php,www.google.com/maps/embed); https only, any other iframe is stripped",
	"TOASOAN_MAX_IMAGE_PIXELS":         "largest accepted image in pixels, width × height (default 40000000)",
	"TOASOAN_IMAGE_WIDTHS":             "comma-separated widths in pixels (16 to 8192) each uploaded image gets variants at, in WebP and its own format, never wider than the image (default 320,640,1024,1600)",
	"TOASOAN_IMAGE_WORKERS":            "how many images the process decodes at a time to make variants, 1 to 64 (default 1); each takes memory in proportion to its pixels, see docs/media.md, and uploads beyond it wait their turn",
	"TOASOAN_SMTP_URL":                 "SMTP server of the mails to readers (a submission's reply): smtp://user:pass@host:587?from=toasoan@example.vn (STARTTLS when offered), smtps://… for implicit TLS (default port 465); unset: each mail is logged (address masked, no body) and marked sent",
}

// Config is the validated configuration of one process.
type Config struct {
	Addr                string
	DatabaseURL         string // empty: embedded SQLite
	DataDir             string
	JWTSecret           string
	JWTPreviousSecret   string
	AdminEmail          string
	AdminPassword       string
	CORSOrigins         []string
	SiteURL             string // the public site, for links to its pages; no origin ends in a slash
	PublicURL           string // this API, for its own links
	MediaURL            string // where media files are read: a file's URL is MediaURL/key
	PreviewURL          string // the template of preview links, {token} replaced (PreviewLink)
	MediaDir            string
	MediaBucketURL      string
	MaxUploadBytes      int64
	DatabaseReplicaURLs []string
	// DatabaseReplicaMaxLag is how far behind the primary a replica may be and still be read.
	DatabaseReplicaMaxLag time.Duration
	RedisURL              string
	RefreshTTL            time.Duration
	LogFormat             string
	LogLevel              string
	ShutdownTimeout       time.Duration
	DatabaseWait          time.Duration
	CacheTTL              time.Duration
	CacheMaxBytes         int64
	ViewCountRefresh      time.Duration
	WebhooksAllowLocal    bool // webhooks may call localhost; never other private addresses
	SubmissionsPerHour    int  // reader submissions accepted per IP an hour
	// RequestTimeout is the deadline of every request's context, so of its database work;
	// PostgreSQL's statement_timeout sits a little above it (StatementTimeout).
	RequestTimeout time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For names the client; anyone else is
	// the client.
	TrustedProxies []*net.IPNet
	MaxImagePixels int64
	// ImageWidths are the widths (ascending) images get variants at; ImageWorkers how many
	// images the process decodes at a time, which bounds the memory of making them.
	ImageWidths  []int
	ImageWorkers int
	SMTP         *SMTP // nil: mails are logged, not sent
	// TrashRetention is how long an item stays in the trash before it is deleted for good.
	TrashRetention time.Duration
	// SyncRetention is how long the sync feed keeps tombstones: an app's token stays good at least that long.
	SyncRetention time.Duration
	// EmbedProviders are the host/path prefixes whose iframes bodies keep (htmlsafe.New).
	EmbedProviders []string
}

// SMTP is where mails to readers go, from TOASOAN_SMTP_URL.
type SMTP struct {
	Host        string
	Port        int
	ImplicitTLS bool // smtps://: TLS from the first byte; smtp:// uses STARTTLS when the server offers it
	Username    string
	Password    string
	From        string // the sender's address, from ?from=
	FromName    string // its display name, when ?from= gives one ("Ban biên tập <toasoan@example.vn>")
}

// MaxRequestTimeout keeps a request's deadline below the HTTP server's 60 s write timeout, so a
// client always gets the 503 rather than a cut connection.
const MaxRequestTimeout = 50 * time.Second

// DefaultRequestTimeout is the deadline of a request when TOASOAN_REQUEST_TIMEOUT is unset.
const DefaultRequestTimeout = 10 * time.Second

// StatementTimeout is PostgreSQL's statement_timeout for a request deadline: a little above it,
// so the request's own deadline answers first and the server still stops a statement whose
// client is gone.
func StatementTimeout(requestTimeout time.Duration) time.Duration {
	return requestTimeout + requestTimeout/5 + time.Second
}

// DefaultTrustedProxies is loopback only: a proxy on the same host.
const DefaultTrustedProxies = "127.0.0.0/8,::1/128"

// SQLitePath is where the embedded database lives when no database URL is configured.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "toasoan.db") }

// Load reads and validates the configuration. Every problem is reported, joined, so an operator
// fixes them all in one go.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:              get("TOASOAN_ADDR", ":8080"),
		DatabaseURL:       get("TOASOAN_DATABASE_URL", ""),
		DataDir:           get("TOASOAN_DATA_DIR", "./data"),
		JWTSecret:         getenv("TOASOAN_JWT_SECRET"),
		JWTPreviousSecret: getenv("TOASOAN_JWT_PREVIOUS_SECRET"),
		AdminEmail:        get("TOASOAN_ADMIN_EMAIL", ""),
		AdminPassword:     getenv("TOASOAN_ADMIN_PASSWORD"),
		CORSOrigins:       splitList(getenv("TOASOAN_CORS_ORIGINS")),
		MediaBucketURL:    get("TOASOAN_MEDIA_BUCKET_URL", ""),
		RedisURL:          get("TOASOAN_REDIS_URL", ""),
		LogFormat:         get("TOASOAN_LOG_FORMAT", "json"),
		LogLevel:          get("TOASOAN_LOG_LEVEL", "info"),
	}
	c.loadOrigins(get, &errs)
	c.MediaDir = get("TOASOAN_MEDIA_DIR", filepath.Join(c.DataDir, "media"))
	c.DatabaseReplicaURLs = splitList(getenv("TOASOAN_DATABASE_REPLICA_URLS"))

	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("TOASOAN_ADDR %q: want host:port such as :8080", c.Addr))
	}
	if c.DatabaseURL != "" {
		if err := checkPostgresURL(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("TOASOAN_DATABASE_URL: %w", err))
		}
	}
	for _, u := range c.DatabaseReplicaURLs {
		if err := checkPostgresURL(u); err != nil {
			errs = append(errs, fmt.Errorf("TOASOAN_DATABASE_REPLICA_URLS: %w", err))
		}
	}
	if len(c.DatabaseReplicaURLs) > 0 && c.DatabaseURL == "" {
		errs = append(errs, errors.New("TOASOAN_DATABASE_REPLICA_URLS needs TOASOAN_DATABASE_URL (replicas are PostgreSQL only)"))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("TOASOAN_JWT_SECRET: must be at least 32 bytes"))
	}
	if c.JWTPreviousSecret != "" && len(c.JWTPreviousSecret) < 32 {
		errs = append(errs, errors.New("TOASOAN_JWT_PREVIOUS_SECRET: must be at least 32 bytes"))
	}
	if c.AdminPassword != "" && c.AdminEmail == "" {
		errs = append(errs, errors.New("TOASOAN_ADMIN_PASSWORD is set but TOASOAN_ADMIN_EMAIL is not"))
	}
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		errs = append(errs, fmt.Errorf("TOASOAN_ADMIN_EMAIL %q: not an email address", c.AdminEmail))
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			continue
		}
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("TOASOAN_CORS_ORIGINS: %q is not an origin such as https://example.vn", o))
		}
	}
	if c.MediaBucketURL != "" {
		if u, err := url.Parse(c.MediaBucketURL); err != nil || u.Scheme == "" {
			errs = append(errs, fmt.Errorf("TOASOAN_MEDIA_BUCKET_URL %q: want a bucket URL such as s3://bucket?region=…", c.MediaBucketURL))
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			errs = append(errs, fmt.Errorf("TOASOAN_REDIS_URL %q: want redis://host:port", c.RedisURL))
		}
	}
	mb, err := strconv.Atoi(get("TOASOAN_MAX_UPLOAD_MB", "20"))
	if err != nil || mb < 1 || mb > 4096 {
		errs = append(errs, fmt.Errorf("TOASOAN_MAX_UPLOAD_MB %q: want a whole number of MiB between 1 and 4096", getenv("TOASOAN_MAX_UPLOAD_MB")))
	}
	c.MaxUploadBytes = int64(mb) << 20
	c.RefreshTTL = duration(get("TOASOAN_REFRESH_TTL", "720h"), "TOASOAN_REFRESH_TTL", time.Hour, &errs)
	c.ShutdownTimeout = duration(get("TOASOAN_SHUTDOWN_TIMEOUT", "15s"), "TOASOAN_SHUTDOWN_TIMEOUT", time.Second, &errs)
	c.DatabaseWait = duration(get("TOASOAN_DATABASE_WAIT", "30s"), "TOASOAN_DATABASE_WAIT", 0, &errs)
	c.DatabaseReplicaMaxLag = duration(get("TOASOAN_DATABASE_REPLICA_MAX_LAG", "5s"), "TOASOAN_DATABASE_REPLICA_MAX_LAG", 100*time.Millisecond, &errs)
	c.CacheTTL = duration(get("TOASOAN_CACHE_TTL", "5m"), "TOASOAN_CACHE_TTL", 0, &errs)
	if c.CacheTTL > time.Hour {
		errs = append(errs, fmt.Errorf("TOASOAN_CACHE_TTL %s: at most 1h; a missed purge would leave pages stale that long", c.CacheTTL))
	}
	cacheMB, err := strconv.Atoi(get("TOASOAN_CACHE_MAX_MB", "64"))
	if err != nil || cacheMB < 1 || cacheMB > 65536 {
		errs = append(errs, fmt.Errorf("TOASOAN_CACHE_MAX_MB %q: want a whole number of MiB between 1 and 65536", getenv("TOASOAN_CACHE_MAX_MB")))
	}
	c.CacheMaxBytes = int64(cacheMB) << 20
	c.ViewCountRefresh = duration(get("TOASOAN_VIEW_COUNT_REFRESH", "5m"), "TOASOAN_VIEW_COUNT_REFRESH", time.Second, &errs)
	c.TrashRetention = retention(get("TOASOAN_TRASH_RETENTION", "30d"), "TOASOAN_TRASH_RETENTION", &errs)
	c.SyncRetention = retention(get("TOASOAN_SYNC_RETENTION", "90d"), "TOASOAN_SYNC_RETENTION", &errs)
	perHour, err := strconv.Atoi(get("TOASOAN_SUBMISSIONS_PER_HOUR", "5"))
	if err != nil || perHour < 1 || perHour > 10000 {
		errs = append(errs, fmt.Errorf("TOASOAN_SUBMISSIONS_PER_HOUR %q: want a whole number between 1 and 10000", getenv("TOASOAN_SUBMISSIONS_PER_HOUR")))
	}
	c.SubmissionsPerHour = perHour
	c.RequestTimeout = duration(get("TOASOAN_REQUEST_TIMEOUT", DefaultRequestTimeout.String()), "TOASOAN_REQUEST_TIMEOUT", 100*time.Millisecond, &errs)
	if c.RequestTimeout > MaxRequestTimeout {
		errs = append(errs, fmt.Errorf("TOASOAN_REQUEST_TIMEOUT %s: at most %s, below the server's 60s write timeout", c.RequestTimeout, MaxRequestTimeout))
	}
	allowLocal, err := strconv.ParseBool(get("TOASOAN_WEBHOOKS_ALLOW_LOCAL", "0"))
	if err != nil {
		errs = append(errs, fmt.Errorf("TOASOAN_WEBHOOKS_ALLOW_LOCAL %q: want 1 or 0", getenv("TOASOAN_WEBHOOKS_ALLOW_LOCAL")))
	}
	c.WebhooksAllowLocal = allowLocal
	for _, v := range splitList(get("TOASOAN_TRUSTED_PROXIES", DefaultTrustedProxies)) {
		_, n, err := net.ParseCIDR(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TOASOAN_TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8 or fd00::/8", v))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	pixels, err := strconv.ParseInt(get("TOASOAN_MAX_IMAGE_PIXELS", "40000000"), 10, 64)
	if err != nil || pixels < 1 {
		errs = append(errs, fmt.Errorf("TOASOAN_MAX_IMAGE_PIXELS %q: want a whole number of pixels, such as 40000000", getenv("TOASOAN_MAX_IMAGE_PIXELS")))
	}
	c.MaxImagePixels = pixels
	c.ImageWidths = imageWidths(get("TOASOAN_IMAGE_WIDTHS", joinInts(media.DefaultWidths)), &errs)
	workers, err := strconv.Atoi(get("TOASOAN_IMAGE_WORKERS", strconv.Itoa(DefaultImageWorkers)))
	if err != nil || workers < 1 || workers > 64 {
		errs = append(errs, fmt.Errorf("TOASOAN_IMAGE_WORKERS %q: want a whole number between 1 and 64", getenv("TOASOAN_IMAGE_WORKERS")))
	}
	c.ImageWorkers = workers
	if v := get("TOASOAN_SMTP_URL", ""); v != "" {
		smtp, err := parseSMTPURL(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TOASOAN_SMTP_URL: %w", err))
		}
		c.SMTP = smtp
	}
	c.EmbedProviders = splitList(get("TOASOAN_EMBED_PROVIDERS", strings.Join(htmlsafe.DefaultEmbedProviders, ",")))
	for _, p := range c.EmbedProviders {
		host, _, _ := strings.Cut(p, "/")
		if strings.Contains(p, "://") || host == "" || strings.ContainsAny(p, " \t@") || strings.Contains(host, ":") {
			errs = append(errs, fmt.Errorf("TOASOAN_EMBED_PROVIDERS: %q is not a host and path prefix such as www.youtube.com/embed/", p))
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("TOASOAN_LOG_FORMAT %q: want json or text", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("TOASOAN_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel))
	}
	return c, errors.Join(errs...)
}

// parseSMTPURL reads smtp[s]://[user[:pass]@]host[:port]?from=address, the address perhaps with
// a display name (Name <address>). Its errors never
// quote the URL, which may hold a password.
func parseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL; want smtp://user:pass@host:587?from=toasoan@example.vn or smtps://…")
	}
	c := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return nil, fmt.Errorf("scheme %q: want smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)", u.Scheme)
	}
	if c.Host == "" {
		return nil, errors.New("no host; want smtp://host:587?from=…")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q: want 1 to 65535", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	from := u.Query().Get("from")
	a, err := mail.ParseAddress(from)
	if from == "" || err != nil {
		return nil, errors.New("want the sender's address as ?from=toasoan@example.vn (or ?from=Ban biên tập <toasoan@example.vn>, URL-encoded)")
	}
	c.From, c.FromName = a.Address, a.Name
	return c, nil
}

// PreviewToken is the placeholder of TOASOAN_PREVIEW_URL that a preview link's token replaces.
const PreviewToken = "{token}"

// DefaultBaseURL is the origin of everything when no URL is configured and the address is the
// default one: this process, locally.
const DefaultBaseURL = "http://localhost:8080"

// LocalURL is where a process listening on addr is reached from the same machine: localhost
// for an address on every interface (":8080", "[::]:8080"), the host itself otherwise.
func LocalURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// loadOrigins reads the three origins and the preview template. TOASOAN_BASE_URL, the one URL
// of older configurations, stands for the site and this API where they are unset, so that a
// configuration with it alone behaves as it always did.
func (c *Config) loadOrigins(get func(name, def string) string, errs *[]error) {
	// An unset origin takes its default, already checked: only what is set is reported.
	origin := func(name, def string) string {
		v := strings.TrimRight(get(name, ""), "/")
		if v == "" {
			return def
		}
		if err := checkOrigin(v); err != nil {
			*errs = append(*errs, fmt.Errorf("%s %q: %w", name, v, err))
		}
		return v
	}
	def := DefaultBaseURL
	if _, _, err := net.SplitHostPort(c.Addr); err == nil {
		def = LocalURL(c.Addr) // this process, on the port it listens on
	}
	base := origin("TOASOAN_BASE_URL", def)
	c.SiteURL = origin("TOASOAN_SITE_URL", base)
	c.PublicURL = origin("TOASOAN_PUBLIC_URL", base)
	c.MediaURL = origin("TOASOAN_MEDIA_URL", c.PublicURL+"/media")
	c.PreviewURL = get("TOASOAN_PREVIEW_URL", "")
	if c.PreviewURL == "" {
		c.PreviewURL = c.PublicURL + "/api/v1/preview/articles/" + PreviewToken
	} else if !strings.Contains(c.PreviewURL, PreviewToken) {
		*errs = append(*errs, fmt.Errorf("TOASOAN_PREVIEW_URL %q: want %s where the token goes, such as https://tin.example.vn/preview/%s", c.PreviewURL, PreviewToken, PreviewToken))
	} else if u, err := url.Parse(c.PreviewLink("t")); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		*errs = append(*errs, fmt.Errorf("TOASOAN_PREVIEW_URL %q: want an absolute http(s) URL", c.PreviewURL))
	}
}

// checkOrigin accepts an absolute http(s) URL to which paths are appended: a path of its own is
// fine (https://example.vn/tin), a query or fragment is not.
func checkOrigin(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http(s) URL such as https://example.vn")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?") || strings.HasSuffix(v, "#") {
		return errors.New("want a URL without a query or fragment: paths are appended to it")
	}
	return nil
}

// PreviewLink is the link of a preview token: TOASOAN_PREVIEW_URL with the token in it.
func (c Config) PreviewLink(token string) string {
	return strings.ReplaceAll(c.PreviewURL, PreviewToken, token)
}

func duration(v, name string, min time.Duration, errs *[]error) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d < min {
		*errs = append(*errs, fmt.Errorf("%s %q: want a duration of at least %s, such as 30s", name, v, min))
	}
	return d
}

// retention reads a time to keep something: days (30d, or 30) or a Go duration (720h), from
// one hour to ten years.
func retention(v, name string, errs *[]error) time.Duration {
	const most = 3650 * 24 * time.Hour
	d, err := time.ParseDuration(v)
	if err != nil {
		days, derr := strconv.Atoi(strings.TrimSuffix(v, "d"))
		err = derr
		d = time.Duration(days) * 24 * time.Hour
		if days > 3650 {
			d = most + 1
		}
	}
	if err != nil || d < time.Hour || d > most {
		*errs = append(*errs, fmt.Errorf("%s %q: want days (30d) or a duration (720h), from 1h to 3650d", name, v))
	}
	return d
}

func checkPostgresURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("scheme %q: want postgres://", u.Scheme)
	}
	if u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("no host")
	}
	return nil
}

// DefaultImageWorkers is how many images are decoded at a time unless TOASOAN_IMAGE_WORKERS
// says otherwise (docs/media.md has the memory each takes).
const DefaultImageWorkers = 1

// imageWidths parses TOASOAN_IMAGE_WIDTHS: widths in pixels, 16 to 8192, sorted and deduplicated.
func imageWidths(v string, errs *[]error) []int {
	var out []int
	for _, s := range splitList(v) {
		w, err := strconv.Atoi(s)
		if err != nil || w < 16 || w > 8192 {
			*errs = append(*errs, fmt.Errorf("TOASOAN_IMAGE_WIDTHS: %q is not a width in pixels between 16 and 8192", s))
			continue
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		*errs = append(*errs, errors.New("TOASOAN_IMAGE_WIDTHS: want at least one width, such as 320,640,1024,1600"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
