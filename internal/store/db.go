// Package store is the only package that queries the database: one file per resource, with the
// differences between PostgreSQL and SQLite kept here and in the migrations, nowhere else.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/toasoan/toasoan/internal/htmlsafe"
)

// Dialect names as GORM reports them.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// OpenOptions says which database to open and how long to keep trying.
type OpenOptions struct {
	DatabaseURL string        // postgres://… ; empty: SQLite at SQLitePath
	SQLitePath  string        // file of the embedded database
	Retry       time.Duration // how long to wait for an unreachable database before giving up
	Logger      *slog.Logger
	// StatementTimeout is PostgreSQL's statement_timeout on every connection (0: the server's
	// default), and on SQLite the bound of the wait for the write lock (busy_timeout, at most its
	// default 10 s). run() sets it a little above the request deadline, so a statement whose
	// client has gone is stopped by the database too.
	StatementTimeout time.Duration
}

// Open connects to PostgreSQL or opens the embedded SQLite database, waiting a bounded time for
// a database that is still starting (as in docker compose), and configures the pool.
func Open(ctx context.Context, o OpenOptions) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		PrepareStmt:            false,
		SkipDefaultTransaction: true, // single statements need no transaction; writes of several rows open their own
	}
	var dialector gorm.Dialector
	var pgConfig *pgx.ConnConfig
	if o.DatabaseURL != "" {
		var err error
		if pgConfig, err = postgresConfig(o.DatabaseURL, o.StatementTimeout); err != nil {
			return nil, err
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		// WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up
		// front so two writers queue on busy_timeout instead of failing with SQLITE_BUSY.
		// The wait for the write lock does not watch the request's context (the driver's busy
		// handler sleeps regardless), so it is bounded like a statement: by StatementTimeout
		// when given, 10 s otherwise.
		busy := 10 * time.Second
		if o.StatementTimeout > 0 {
			busy = min(busy, o.StatementTimeout)
		}
		dsn := "file:" + o.SQLitePath + "?_txlock=immediate" +
			"&_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		sqlDB, err := sql.Open(sqlite.DriverName, dsn)
		if err != nil {
			return nil, fmt.Errorf("open SQLite: %w", err)
		}
		dialector = sqlite.Dialector{DSN: dsn, Conn: &utcPool{sqlDB}}
	}

	waitCtx, cancel := context.WithTimeout(ctx, o.Retry)
	defer cancel()
	var lastErr error
	for attempt := 0; ; attempt++ {
		if pgConfig != nil { // a new pool each attempt: a failed one is closed below
			dialector = postgres.New(postgres.Config{Conn: openPostgres(pgConfig)})
		}
		db, err := gorm.Open(dialector, cfg)
		if err == nil {
			sqlDB, _ := db.DB()
			pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err = sqlDB.PingContext(pingCtx)
			cancel()
			if err == nil {
				configurePool(db)
				return db, nil
			}
			_ = sqlDB.Close()
		}
		lastErr = err
		if waitCtx.Err() != nil {
			break
		}
		if o.Logger != nil {
			o.Logger.Warn("database not reachable yet, retrying", "attempt", attempt+1, "error", err.Error())
		}
		select {
		case <-waitCtx.Done():
		case <-time.After(time.Second << min(attempt, 3)):
		}
	}
	return nil, fmt.Errorf("database not reachable after %s: %w", o.Retry, lastErr)
}

// postgresConfig is how every PostgreSQL pool of the store connects, the primary's and the
// replicas' alike: the URL with the session settings of withRuntimeParams, and a deadline that
// stops the statement on the server.
func postgresConfig(databaseURL string, statementTimeout time.Duration) (*pgx.ConnConfig, error) {
	dsn, err := withRuntimeParams(databaseURL, statementTimeout)
	if err != nil {
		return nil, err
	}
	c, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	// At a deadline pgx by default only drops the connection, and a backend waiting on a
	// lock does not notice that: it would run on until statement_timeout. A cancel request
	// stops it at once; the connection is dropped a second later if that fails.
	c.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	return c, nil
}

// openPostgres is a pool of connections made by c, reading times in UTC.
func openPostgres(c *pgx.ConnConfig) *sql.DB {
	return stdlib.OpenDB(*c, stdlib.OptionAfterConnect(scanTimesInUTC))
}

// scanTimesInUTC makes the connection read every timestamptz in UTC, as the store keeps times.
// pgx reads them in time.Local by default: a time read back and written again into a snapshot,
// an event or an ETag would then show the process's zone (+07:00 under TZ=Asia/Ho_Chi_Minh)
// where a time from the clock shows Z, and SQLite, whose times are UTC text, would disagree.
func scanTimesInUTC(_ context.Context, c *pgx.Conn) error {
	c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	return nil
}

// withRuntimeParams adds the session settings every PostgreSQL connection starts with (pgx sends
// the DSN's unknown parameters as runtime parameters):
//   - statement_timeout, when given;
//   - client_connection_check_interval: a backend checks every second that its client is still
//     there, and stops a statement whose client has gone;
//   - plan_cache_mode=force_custom_plan: pgx prepares and caches every statement, and after five
//     runs PostgreSQL may switch a prepared statement to a generic plan made without the values;
//     for the public search and filters (a rare word or a busy category, tables that grew since
//     the last ANALYZE) such a plan can be orders of magnitude slower, so every run is planned
//     for its own values. Planning costs well under a millisecond here.
//
// A value already in the URL is kept: the operator's choice wins.
func withRuntimeParams(dsn string, statementTimeout time.Duration) (string, error) {
	params := [][2]string{{"plan_cache_mode", "force_custom_plan"}, {"client_connection_check_interval", "1000"}}
	if statementTimeout > 0 {
		params = append(params, [2]string{"statement_timeout", strconv.FormatInt(statementTimeout.Milliseconds(), 10)})
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("database URL: %w", err)
		}
		q := u.Query()
		for _, p := range params {
			if !q.Has(p[0]) {
				q.Set(p[0], p[1])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for _, p := range params { // keyword=value form
		if !strings.Contains(dsn, p[0]+"=") {
			dsn += " " + p[0] + "=" + p[1]
		}
	}
	return dsn, nil
}

func configurePool(db *gorm.DB) {
	sqlDB, _ := db.DB()
	if db.Dialector.Name() == SQLite {
		// One writer at a time is all SQLite allows; a few connections let reads proceed beside it.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
		return
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
}

// Store runs every query of the application. Its clock is the one the server runs on: every time
// the store writes (created_at, updated_at, revoked_at, …) comes from it.
type Store struct {
	db          *gorm.DB
	purges      *purges             // see OnPurge
	memo        *memo               // small tables and totals of public lists (memo.go)
	webhookWake chan struct{}       // see WebhookWake
	mailWake    chan struct{}       // see MailWake
	replicas    *replicaSet         // see UseReplicas; nil: every query goes to the primary
	bodies      *htmlsafe.Sanitizer // sanitises article and announcement bodies; see UseEmbedProviders
	// trackingURL is the link a reader's mail gives to their submission's tracking page; see
	// SetTrackingURL.
	trackingURL func(code string) string
}

// New wraps an open database, with the clock every write takes its time from (time.Now in
// production, the test's own clock in tests).
func New(db *gorm.DB, now func() time.Time) *Store {
	db = db.Session(&gorm.Session{NewDB: true, NowFunc: func() time.Time { return now().UTC() }}) // kept in UTC; shown in the newsroom's zone when encoded
	m := newMemo()
	p := newPurges()
	p.subs = append(p.subs, m.purged) // first: what a subscriber refills after a purge must not come from a stale memo
	return &Store{db: db, purges: p, memo: m, webhookWake: make(chan struct{}, 1), mailWake: make(chan struct{}, 1),
		trackingURL: defaultTrackingURL, bodies: htmlsafe.Default}
}

// At is the store with its clock stopped at t, on the same database: for writes dated in the
// past, as the seed publishes its articles each at its own time.
func (s *Store) At(t time.Time) *Store {
	at := t.UTC()
	db := s.db.Session(&gorm.Session{NewDB: true, NowFunc: func() time.Time { return at }})
	return &Store{db: db, purges: s.purges, memo: s.memo, webhookWake: s.webhookWake, mailWake: s.mailWake,
		replicas: s.replicas, trackingURL: s.trackingURL, bodies: s.bodies}
}

// UseEmbedProviders sets the iframes bodies keep from now on (htmlsafe.New): the hosts and path
// prefixes of TOASOAN_EMBED_PROVIDERS. Call it before serving; bodies already stored keep what
// they were sanitised with.
func (s *Store) UseEmbedProviders(providers []string) { s.bodies = htmlsafe.New(providers) }

// Now is the store's clock, the one the whole server runs on (in UTC); inside a
// transaction it is tx.NowFunc().
func (s *Store) Now() time.Time { return s.db.NowFunc() }

// Vacuum brings the planner's statistics and PostgreSQL's visibility map up to date after a
// bulk load (the seed), as autovacuum would later: VACUUM (ANALYZE) of the tables content goes
// to on PostgreSQL, ANALYZE on SQLite.
func (s *Store) Vacuum(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if s.Dialect() != Postgres {
		return db.Exec("ANALYZE").Error
	}
	return db.Exec("VACUUM (ANALYZE) articles, article_tags, article_revisions, search_index, documents, announcements, webhook_events").Error
}

// DB returns the underlying database, for the migrations and the health check.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.db.Dialector.Name() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
