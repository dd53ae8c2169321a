package migrations_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestRunAppliesEveryMigrationOnceAndRerunIsNoOp(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.Fresh(t, dialect)
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatalf("first run: %v", err)
		}
		first, err := migrations.Applied(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) == 0 || first[len(first)-1] != migrations.Latest() {
			t.Fatalf("applied %v, want up to %s", first, migrations.Latest())
		}
		if err := migrations.Run(ctx, db); err != nil {
			t.Fatalf("second run: %v", err)
		}
		second, _ := migrations.Applied(ctx, db)
		if !slices.Equal(first, second) {
			t.Fatalf("re-run changed the history: %v → %v", first, second)
		}
	})
}

func TestRunRefusesNewerSchema(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := testdb.New(t, dialect)
		if err := db.Exec(`INSERT INTO schema_migrations (id) VALUES ('9999_from_the_future')`).Error; err != nil {
			t.Fatal(err)
		}
		if err := migrations.Run(ctx, db); !errors.Is(err, migrations.ErrSchemaTooNew) {
			t.Fatalf("Run on a newer schema = %v, want ErrSchemaTooNew", err)
		}
	})
}

// Two replicas starting at once: the advisory lock makes the second wait, then find nothing to do.
func TestConcurrentRunsOnPostgresMigrateOnce(t *testing.T) {
	ctx := context.Background()
	url := testdb.FreshURL(t, store.Postgres)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, store.OpenOptions{DatabaseURL: url})
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { sqlDB, _ := db.DB(); sqlDB.Close() }()
			errs[i] = migrations.Run(ctx, db)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	db, err := store.Open(ctx, store.OpenOptions{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { sqlDB, _ := db.DB(); sqlDB.Close() }()
	var n int64
	db.Table("schema_migrations").Where("id = ?", migrations.Latest()).Count(&n)
	if n != 1 {
		t.Fatalf("latest migration recorded %d times, want 1", n)
	}
}
