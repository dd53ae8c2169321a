package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// After a bulk import with no ANALYZE since, the public search's prepared statements (pgx
// prepares and caches every statement on a connection) are still planned for their own values:
// plan_cache_mode=force_custom_plan, set by store.Open on every connection, keeps PostgreSQL
// from switching them to a generic plan after five runs. The plan relied on is logged.
func TestPublicSearchKeepsCustomPlansAfterBulkImport(t *testing.T) {
	db := testdb.New(t, store.Postgres)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1) // one connection, so one statement cache to look into
	ctx := context.Background()
	now := testdb.Epoch
	// 30,000 items, of which 30 hold a rare word: the kind of data where one plan does not fit
	// every value (a rare word wants the GIN index, a common one the recency order).
	if err := db.Exec(`INSERT INTO search_index (kind, item_id, slug, title, body, title_folded, body_folded, public, sort_time)
		SELECT 'article', g, 'bai-' || g, 'Bài ' || g, 'x',
		       CASE WHEN g % 1000 = 0 THEN 'hoi nghi hiem gap' ELSE 'hoi nghi mat tran' END, 'noi dung bao ve an ninh',
		       true, ?::timestamptz - g * interval '1 minute'
		FROM generate_series(1, 30000) g`, now).Error; err != nil {
		t.Fatal(err)
	}
	st := store.New(db, func() time.Time { return now })
	for _, terms := range []string{"hiem", "mat tran"} {
		for i := 0; i < 8; i++ {
			hits, _, err := st.Search(ctx, store.SearchQuery{Query: search.ParseQuery(terms, nil), Kinds: []string{"article"}, Public: true, Now: now, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 {
				t.Fatalf("search %q found nothing", terms)
			}
		}
	}
	var mode string
	db.Raw(`SELECT current_setting('plan_cache_mode')`).Scan(&mode)
	if mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %q on the store's connection, want force_custom_plan", mode)
	}
	var prepared []struct {
		Statement    string
		GenericPlans int64
		CustomPlans  int64
	}
	if err := db.Raw(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%search_index si%' AND statement NOT LIKE '%pg_prepared_statements%'`).Scan(&prepared).Error; err != nil {
		t.Fatal(err)
	}
	if len(prepared) == 0 {
		t.Fatal("no prepared search statement on the connection: pgx's statement cache is not in use, so this test shows nothing")
	}
	maxCustom := int64(0)
	for _, p := range prepared {
		if p.GenericPlans != 0 {
			t.Errorf("a search statement ran %d times on a generic plan: %s", p.GenericPlans, p.Statement)
		}
		maxCustom = max(maxCustom, p.CustomPlans)
	}
	if maxCustom < 6 {
		t.Errorf("the search statements were planned at most %d times, want each run planned (> 5)", maxCustom)
	}
	for _, q := range []string{"'hiem':*", "'mat' & 'tran':*"} {
		var plan []string
		db.Raw(`EXPLAIN SELECT si.id, si.kind, si.item_id FROM search_index si
			WHERE si.kind IN ('article') AND si.public AND (si.public_from IS NULL OR si.public_from <= ?) AND (si.public_until IS NULL OR si.public_until > ?)
			  AND si.title_tsv @@ to_tsquery('simple', ?) ORDER BY si.sort_time DESC, si.id DESC LIMIT 20`, now, now, q).Scan(&plan)
		t.Logf("custom plan of the title tier for %s, 30,000 rows imported, no ANALYZE:\n%s", q, strings.Join(plan, "\n"))
	}
}
