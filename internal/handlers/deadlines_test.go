package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// deadlineSlack is how much later than its deadline a request may be answered here: the
// answer itself, and a loaded CI machine running the race detector.
const deadlineSlack = 2 * time.Second

// wantUnavailable checks a 503 problem with code unavailable and a Retry-After.
func wantUnavailable(t *testing.T, what string, res *httptest.ResponseRecorder) {
	t.Helper()
	if res.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d, want 503: %s", what, res.Code, res.Body)
	}
	if res.Header().Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", what)
	}
	if ct := res.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if p := decode[problem](t, res); p.Code != models.CodeUnavailable {
		t.Errorf("%s: code %q, want %q", what, p.Code, models.CodeUnavailable)
	}
}

// A database that is closed (or gone) answers 503 with Retry-After, never 500.
func TestClosedDatabaseIsUnavailable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		_ = sqlDB.Close()
		for _, path := range []string{"/api/v1/articles", "/api/v1/search?q=an+ninh", "/api/v1/categories", "/api/v1/admin/articles"} {
			as := ""
			if path == "/api/v1/admin/articles" {
				as = "editor"
			}
			wantUnavailable(t, "GET "+path, ts.do(http.MethodGet, path, nil, as, nil))
		}
		// An outage checks no password, so it uses up no login slot: still 503, never 429.
		for i := range loginMaxFailures + 1 {
			wantUnavailable(t, "login "+itoa(int64(i+1)), ts.do(http.MethodPost, "/api/v1/auth/login", map[string]any{"email": "editor@mattran.org.vn", "password": testPassword}, "", nil))
		}
	})
}

// A stalled PostgreSQL (a real server of the test's own, its articles and search tables locked by another
// session) gives 503 within the request's deadline, leaves no backend waiting behind, and the
// server recovers by itself once the lock is released; a PostgreSQL that is down is 503 too, and
// comes back when it does.
func TestStalledPostgresIsUnavailableWithinTheDeadline(t *testing.T) {
	cluster := testdb.NewCluster(t)
	const deadline = 2 * time.Second
	ctx := context.Background()
	db := openMigrated(t, store.OpenOptions{DatabaseURL: cluster.URL, Retry: 5 * time.Second, StatementTimeout: config.StatementTimeout(deadline)})
	ts := newTestServer(t, db).withUsers()
	ts.cfg.RequestTimeout = deadline
	a := ts.published(map[string]any{"title": "Bảo vệ an ninh trật tự", "category_id": ts.createCategory("Tin tức", 0)})

	var settings struct{ StatementTimeout, PlanCacheMode string }
	db.Raw(`SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('plan_cache_mode') AS plan_cache_mode`).Scan(&settings)
	if settings.StatementTimeout != "3400ms" || settings.PlanCacheMode != "force_custom_plan" {
		t.Errorf("connection settings %+v, want statement_timeout 3400ms (a little above the 2s deadline) and force_custom_plan", settings)
	}

	reads := []string{"/api/v1/articles", "/api/v1/articles/" + a.Slug, "/api/v1/search?q=an+ninh"}
	for _, path := range reads {
		if res := ts.do(http.MethodGet, path, nil, "", nil); res.Code != http.StatusOK {
			t.Fatalf("GET %s before the stall: %d %s", path, res.Code, res.Body)
		}
	}

	// Another session takes the table, as a long migration or a stuck transaction would.
	locker, err := sql.Open("pgx", cluster.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	lock, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `LOCK TABLE articles, search_index IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	for _, path := range reads {
		start := time.Now()
		res := ts.do(http.MethodGet, path, nil, "", nil)
		took := time.Since(start)
		wantUnavailable(t, "GET "+path+" while stalled", res)
		if took < deadline-100*time.Millisecond || took > deadline+deadlineSlack {
			t.Errorf("GET %s while stalled answered after %s, want about the %s deadline", path, took, deadline)
		}
	}
	patch := ts.do(http.MethodPatch, "/api/v1/admin/articles/"+itoa(a.ID), map[string]any{"title": "Sửa khi bị khoá"}, "editor", map[string]string{"If-Match": `"` + itoa(int64(a.Version)) + `"`})
	wantUnavailable(t, "PATCH while stalled", patch)

	// The cancel request stops every waiting statement: no backend runs on without its client.
	testdb.WaitFor(t, 2*time.Second, "no backend waits on the lock once its request got 503", func() bool {
		var waiting int64
		if err := locker.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		return waiting == 0
	})

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	for _, path := range reads {
		if res := ts.do(http.MethodGet, path, nil, "", nil); res.Code != http.StatusOK {
			t.Errorf("GET %s after the stall: %d %s", path, res.Code, res.Body)
		}
	}

	cluster.Stop()
	for _, path := range reads {
		start := time.Now()
		wantUnavailable(t, "GET "+path+" with PostgreSQL down", ts.do(http.MethodGet, path, nil, "", nil))
		if took := time.Since(start); took > deadline+deadlineSlack {
			t.Errorf("GET %s with PostgreSQL down took %s", path, took)
		}
	}
	cluster.Start()
	for _, path := range reads {
		if res := ts.do(http.MethodGet, path, nil, "", nil); res.Code != http.StatusOK {
			t.Errorf("GET %s after PostgreSQL came back: %d %s", path, res.Code, res.Body)
		}
	}
}

// SQLite allows one writer: a write that waits on another writer's lock gives up with 503 and
// Retry-After once busy_timeout (which follows the request deadline) has passed, while reads
// (WAL) go on answering.
func TestBusySQLiteIsUnavailableAtTheDeadline(t *testing.T) {
	const deadline = time.Second
	ctx := context.Background()
	db := openMigrated(t, store.OpenOptions{SQLitePath: t.TempDir() + "/busy.db", StatementTimeout: config.StatementTimeout(deadline)})
	ts := newTestServer(t, db).withUsers()
	ts.cfg.RequestTimeout = deadline
	a := ts.published(map[string]any{"title": "Bảo vệ an ninh trật tự", "category_id": ts.createCategory("Tin tức", 0)})

	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	writer, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	patch := ts.do(http.MethodPatch, "/api/v1/admin/articles/"+itoa(a.ID), map[string]any{"title": "Sửa khi bị khoá"}, "editor", map[string]string{"If-Match": `"` + itoa(int64(a.Version)) + `"`})
	took := time.Since(start)
	wantUnavailable(t, "PATCH while another writer holds SQLite", patch)
	if limit := config.StatementTimeout(deadline) + deadlineSlack; took > limit {
		t.Errorf("PATCH while SQLite was busy answered after %s, want within %s (busy_timeout follows the deadline)", took, limit)
	}
	if res := ts.do(http.MethodGet, "/api/v1/articles/"+a.Slug, nil, "", nil); res.Code != http.StatusOK {
		t.Errorf("GET while another writer holds SQLite: %d %s", res.Code, res.Body)
	}
	if _, err := writer.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if res := ts.do(http.MethodPatch, "/api/v1/admin/articles/"+itoa(a.ID), map[string]any{"title": "Sửa sau khi mở khoá"}, "editor", map[string]string{"If-Match": `"` + itoa(int64(a.Version)) + `"`}); res.Code != http.StatusOK {
		t.Errorf("PATCH after the lock was released: %d %s", res.Code, res.Body)
	}
}

// openMigrated opens the database of opts as the server does, migrates it and closes it after
// the test.
func openMigrated(t *testing.T, opts store.OpenOptions) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := migrations.Run(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// The deadline is TOASOAN_REQUEST_TIMEOUT, except for uploads, which stream their files within
// it: they get config.MaxRequestTimeout, still below the write timeout.
func TestRequestDeadlines(t *testing.T) {
	ts := newTestServer(t, testdb.New(t, "sqlite"))
	ts.cfg.RequestTimeout = 2 * time.Second
	var left time.Duration
	h := ts.deadline(func(c echo.Context) error {
		deadline, ok := c.Request().Context().Deadline()
		if !ok {
			t.Fatal("no deadline")
		}
		left = time.Until(deadline)
		return nil
	})
	for _, tc := range []struct {
		contentType string
		want        time.Duration
	}{
		{echo.MIMEApplicationJSON, 2 * time.Second},
		{"", 2 * time.Second},
		{echo.MIMEMultipartForm + "; boundary=x", config.MaxRequestTimeout},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		if tc.contentType != "" {
			req.Header.Set(echo.HeaderContentType, tc.contentType)
		}
		if err := h(ts.Echo().NewContext(req, httptest.NewRecorder())); err != nil {
			t.Fatal(err)
		}
		if left > tc.want || left < tc.want-time.Second {
			t.Errorf("%q: deadline in %s, want %s", tc.contentType, left, tc.want)
		}
	}
}
