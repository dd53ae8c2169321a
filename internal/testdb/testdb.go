// Package testdb gives each test a fresh, migrated database: SQLite always, and PostgreSQL
// (a schema per test, dropped after) when TOASOAN_TEST_DATABASE_URL is set. Set
// TOASOAN_TEST_REQUIRE_POSTGRES=1 (CI does) to fail instead of skipping without PostgreSQL.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/store"
)

// Dialects are the databases a test can run on.
var Dialects = []string{store.SQLite, store.Postgres}

// Each runs fn as a subtest on each dialect ("sqlite", "postgres") with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, New(t, d)) })
	}
}

// EachDialect runs fn as a subtest per dialect without opening anything, for tests that need an
// unmigrated database (Fresh) or their own set-up.
func EachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// New returns a fresh database of the dialect with every migration applied.
func New(t testing.TB, dialect string) *gorm.DB {
	t.Helper()
	db := Fresh(t, dialect)
	if err := migrations.Run(context.Background(), db); err != nil {
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// Fresh returns an empty database of the dialect, not migrated, closed and dropped after the test.
func Fresh(t testing.TB, dialect string) *gorm.DB {
	t.Helper()
	return Open(t, dialect, FreshURL(t, dialect))
}

// Open opens the database of a FreshURL, closed after the test; tests of several processes on
// one database open it more than once.
func Open(t testing.TB, dialect, url string) *gorm.DB {
	t.Helper()
	var opts store.OpenOptions
	if dialect == store.Postgres {
		opts.DatabaseURL = url
	} else {
		opts.SQLitePath = url
	}
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

// FreshURL makes an empty database and returns what opens it: a PostgreSQL URL whose
// search_path is a new schema, or the path of a new SQLite file. It is dropped after the test.
func FreshURL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == store.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	base := PostgresURL(t)
	admin := adminDB(t, base)
	schema := "t_" + randomHex(8)
	if err := admin.Exec(`CREATE SCHEMA ` + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`).Error; err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TOASOAN_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	// public stays on the path for the extensions (pg_trgm), which live there once per database.
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresURL is TOASOAN_TEST_DATABASE_URL; without it the test is skipped, or fails when
// TOASOAN_TEST_REQUIRE_POSTGRES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, "TOASOAN_TEST_DATABASE_URL", "PostgreSQL", "postgres://…")
}

// RedisURL is TOASOAN_TEST_REDIS_URL, for the tests of counters shared through Redis; without it
// the test is skipped, or fails when TOASOAN_TEST_REQUIRE_POSTGRES=1 (CI needs both).
func RedisURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, "TOASOAN_TEST_REDIS_URL", "Redis", "redis://127.0.0.1:6379/15")
}

// serviceURL reads the URL of a service the tests need from the variable name: missing, the
// test is skipped (saying which variable runs it), or fails under TOASOAN_TEST_REQUIRE_POSTGRES=1.
func serviceURL(t testing.TB, name, service, example string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		if os.Getenv("TOASOAN_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("TOASOAN_TEST_REQUIRE_POSTGRES=1 but %s is not set", name)
		}
		skip(t, service+" tests skipped: set "+name+"="+example+" to run them")
	}
	return u
}

// Redis is a client of the Redis at TOASOAN_TEST_REDIS_URL (skipping as RedisURL does), closed
// after the test.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatalf("TOASOAN_TEST_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// skip skips the test and says so where a plain `go test ./...` shows it: the go command hides
// what passing packages print, so the note goes to the terminal, once per `go test` run (the
// packages' test binaries share the go command as parent), and to the test's log as usual.
func skip(t testing.TB, why string) {
	t.Helper()
	marker := filepath.Join(os.TempDir(), fmt.Sprintf("toasoan-test-note-%d-%x", os.Getppid(), sha256.Sum256([]byte(why))))
	if f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		f.Close()
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(tty, "toasoan: "+why)
			tty.Close()
		}
	}
	t.Skip(why)
}

var (
	adminOnce sync.Once
	admin     *gorm.DB
	adminErr  error
)

// adminDB is one shared connection pool to the test database, for creating and dropping schemas.
func adminDB(t testing.TB, base string) *gorm.DB {
	adminOnce.Do(func() {
		admin, adminErr = store.Open(context.Background(), store.OpenOptions{DatabaseURL: base, Retry: 5 * time.Second})
		if adminErr == nil {
			sqlDB, _ := admin.DB()
			sqlDB.SetMaxOpenConns(4)
			// Extensions are per database; make them once, in public, where every schema sees them.
			// Test binaries run in parallel, so serialise the creation under a lock.
			adminErr = admin.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`SELECT pg_advisory_xact_lock(7071)`).Error; err != nil {
					return err
				}
				return tx.Exec(`CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`).Error
			})
		}
	})
	if adminErr != nil {
		t.Fatalf("PostgreSQL at TOASOAN_TEST_DATABASE_URL: %v", adminErr)
	}
	return admin
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
