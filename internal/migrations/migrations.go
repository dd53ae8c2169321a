// Package migrations holds toasoan's schema history: append-only, versioned migrations for
// PostgreSQL and SQLite, each run in its own transaction and recorded in schema_migrations.
//
// A migration that creates tables declares frozen copies of the structs as they were on that
// day, so later changes to internal/models never change what an old migration does.
package migrations

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// ErrSchemaTooNew means the database was migrated by a newer toasoan: running this binary could
// corrupt it.
var ErrSchemaTooNew = errors.New("the database schema is newer than this binary knows; run a newer toasoan")

// all is the schema history, oldest first. Append only: never edit or reorder a released entry.
func all() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		m0001Init,
		m0002Users,
		m0003Media,
		m0010CategoriesTags,
		m0011Articles,
		m0020Submissions,
		m0030Announcements,
		m0031DocumentTypes,
		m0032Documents,
		m0040SearchIndex,
		m0041SearchBackfill,
		m0050Webhooks,
		m0055PreviewGeneration,
		m0060VersionsAndAuditActor,
		m0061ForeignKeys,
		m0070ArticleViews,
		m0071ArticleTagsPublic,
		m0072ArticlesPublicCovering,
		m0080SlugHistory,
		m0081Schedule,
		m0085ArticlePage,
		m0086TagDescription,
		m0090AuthorProfiles,
		m0098MailOutbox,
		m0100ArticleTrash,
		m0101AttachedTrash,
		m0112MediaMetadata,
		m0113MediaVariants,
		m0117SearchAbbreviations,
		m0118SearchPositions,
		m0121SearchVocabulary,
		m0122SearchSuggest,
		m0125Sync,
		m0126SearchExactTitle,
	}
}

// rebuildsSQLiteTables names the migrations that rebuild SQLite tables. SQLite's procedure
// wants foreign keys off while it runs, which a connection cannot change inside a transaction:
// such a migration runs on a connection of its own with foreign keys turned off before its
// transaction and on again after, and checks the keys itself before it commits.
var rebuildsSQLiteTables = map[string]bool{m0061ForeignKeys.ID: true}

// Latest is the ID of the newest migration this binary knows.
func Latest() string { m := all(); return m[len(m)-1].ID }

// Run brings the schema up to date. On PostgreSQL it holds an advisory lock (scoped to the
// current schema) for the whole run, so replicas starting together migrate one at a time.
func Run(ctx context.Context, db *gorm.DB) error { return run(ctx, db, "") }

// run applies the migrations before stop ("": all of them).
func run(ctx context.Context, db *gorm.DB, stop string) error {
	db = db.WithContext(ctx)
	if db.Dialector.Name() != "postgres" {
		return migrate(db, stop)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	const lockKey = `hashtext(current_schema() || '.toasoan.migrations')`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("migrations: take lock: %w", err)
	}
	// Unlock on a fresh context: the lock must be released even when ctx was cancelled.
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`) //nolint:errcheck
	// Requests run under a statement_timeout (set on every connection by store.Open); building
	// an index on a big table may take longer, so migrations lift it on their own connection.
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return fmt.Errorf("migrations: lift statement_timeout: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `RESET statement_timeout`) //nolint:errcheck
	return migrate(onConn(db, conn), stop)
}

// onConn returns a session of db that runs every statement on the one pinned connection.
func onConn(db *gorm.DB, conn *sql.Conn) *gorm.DB {
	tx := db.Session(&gorm.Session{NewDB: true, Context: db.Statement.Context})
	tx.Statement.ConnPool = conn
	return tx
}

func migrate(db *gorm.DB, stop string) error {
	opts := &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		UseTransaction:            true,
		ValidateUnknownMigrations: true,
	}
	m := gormigrate.New(db, opts, all())
	// MigrateTo one ID at a time gives each migration its own transaction; gormigrate alone
	// would run all pending ones in a single transaction.
	for _, mig := range all() {
		if mig.ID == stop {
			return nil
		}
		var err error
		if rebuildsSQLiteTables[mig.ID] && db.Dialector.Name() == "sqlite" {
			err = withoutForeignKeys(db, func(db *gorm.DB) error { return gormigrate.New(db, opts, all()).MigrateTo(mig.ID) })
		} else {
			err = m.MigrateTo(mig.ID)
		}
		if err != nil {
			if errors.Is(err, gormigrate.ErrUnknownPastMigration) {
				return ErrSchemaTooNew
			}
			return fmt.Errorf("migration %s: %w", mig.ID, err)
		}
	}
	return nil
}

// withoutForeignKeys runs fn on one SQLite connection with foreign keys off, and turns them on
// again before the connection goes back to the pool (or closes it, should that fail).
func withoutForeignKeys(db *gorm.DB, fn func(*gorm.DB) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	ctx := db.Statement.Context
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(onConn(db, conn))
}

// Applied lists the IDs recorded in schema_migrations, in the order they ran.
func Applied(ctx context.Context, db *gorm.DB) ([]string, error) {
	var ids []string
	err := db.WithContext(ctx).Table("schema_migrations").Order("id").Pluck("id", &ids).Error
	return ids, err
}
