package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/testdb"
)

// withCache rebuilds the test server with the response cache on.
func (ts *testServer) withCache(ttl time.Duration) {
	ts.t.Helper()
	cfg := ts.cfg
	cfg.CacheTTL = ttl
	ts.Server = mustServer(ts.t, Deps{Config: cfg, Store: ts.store, HashParams: testHashParams})
}

func TestResponseCache(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ts := newTestServer(t, db).withUsers()
		clock := testdb.NewClock(testdb.Epoch)
		ts.setClock(clock.Now)
		cat := ts.createCategory("Tin mới", 0)
		first := ts.published(map[string]any{"title": "Tin thứ nhất", "category_id": cat})
		ts.withCache(time.Second)
		reads, _ := countQueries(db)

		get := func(path string) string {
			t.Helper()
			res := ts.do("GET", path, nil, "", nil)
			if res.Code != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
			}
			return res.Body.String()
		}
		body := get("/api/v1/articles")
		before := reads.Load()
		if again := get("/api/v1/articles"); again != body || reads.Load() != before {
			t.Fatalf("second read ran %d queries or changed", reads.Load()-before)
		}
		res := ts.do("GET", "/api/v1/articles", nil, "", map[string]string{"If-None-Match": ts.do("GET", "/api/v1/articles", nil, "", nil).Header().Get("ETag")})
		if res.Code != 304 {
			t.Fatalf("If-None-Match on a cached response: %d", res.Code)
		}

		// A write through this server is seen by the very next read.
		second := ts.published(map[string]any{"title": "Tin thứ hai", "category_id": cat})
		if got := decode[publicArticleListResponse](t, ts.do("GET", "/api/v1/articles", nil, "", nil)); len(got.Data) != 2 || got.Data[0].ID != second.ID {
			t.Fatalf("after publishing: %+v", got.Data)
		}

		// A write by another replica (straight to the database, unseen by this process) shows
		// within the TTL.
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		get("/api/v1/articles/" + first.Slug)
		if _, err := sqlDB.Exec("UPDATE articles SET title = 'Tin đã sửa ở máy khác' WHERE id = " + strconv.FormatInt(first.ID, 10)); err != nil {
			t.Fatal(err)
		}
		stale := get("/api/v1/articles/" + first.Slug)
		clock.Advance(time.Second)
		fresh := get("/api/v1/articles/" + first.Slug)
		if !strings.Contains(stale, "Tin thứ nhất") || fresh == stale || decode[publicArticleResponse](t, ts.do("GET", "/api/v1/articles/"+first.Slug, nil, "", nil)).Data.Title != "Tin đã sửa ở máy khác" {
			t.Fatalf("another replica's edit not seen after the TTL")
		}

		// A view flush changes nothing public and evicts nothing: the article is still served
		// from the cache, the same. A refresh of the shown counts with no new views evicts
		// nothing either; one with new views shows them at once.
		path := "/api/v1/articles/" + second.Slug
		body = get(path)
		for i := range 3 {
			ts.beacon(second.Slug, browser(i), "203.0.113.7")
		}
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		before = reads.Load()
		if again := get(path); again != body || reads.Load() != before {
			t.Fatalf("after a view flush the cached article ran %d queries or changed", reads.Load()-before)
		}
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := decode[publicArticleResponse](t, ts.do("GET", path, nil, "", nil)).Data.ViewCount; got != 3 {
			t.Fatalf("view_count = %d after the refresh, want 3", got)
		}
		body = get(path)
		if err := ts.store.RefreshShownViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		before = reads.Load()
		if again := get(path); again != body || reads.Load() != before {
			t.Fatalf("a refresh with no new views ran %d queries or changed the body", reads.Load()-before)
		}

		// Errors are never cached.
		if res := ts.do("GET", "/api/v1/articles/khong-co", nil, "", nil); res.Code != 404 {
			t.Fatalf("missing article: %d", res.Code)
		}
		if res := ts.do("GET", "/api/v1/articles?page=0", nil, "", nil); res.Code != 400 {
			t.Fatalf("bad page: %d", res.Code)
		}
	})
}
